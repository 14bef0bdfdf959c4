using Gateway.Audit;
using Gateway.Benchmarks.Audit;
using Gateway.Consent;
using Gateway.Demo;
using StackExchange.Redis;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// What every variant shares, set up once per run in a fresh temporary folder: the certificate
/// and token signing key (made as demo mode makes them), a real redis-server whose consent store
/// grants every benchmark subject and whose audit stream is trimmed as a deployment's is, and the
/// upstream process.
/// </summary>
internal sealed class LoadEnvironment : IDisposable
{
    public const string Purpose = "marketing";
    public const string Role = "support-agent";

    private readonly AuditStreamTrimmer _trimmer;
    private readonly MeasuredProcess _upstream;

    private LoadEnvironment(string root, DemoWorkspace workspace, LocalRedisServer redis, AuditStreamTrimmer trimmer, MeasuredProcess upstream, int upstreamPort, string token)
    {
        _trimmer = trimmer;
        _upstream = upstream;
        Root = root;
        Workspace = workspace;
        Redis = redis;
        UpstreamPort = upstreamPort;
        Token = token;
    }

    public string Root { get; }

    public DemoWorkspace Workspace { get; }

    public LocalRedisServer Redis { get; }

    public int UpstreamPort { get; }

    public string Token { get; }

    /// <summary>A fresh folder inside the run's temporary folder (removed with it).</summary>
    public string NewDirectory(string prefix) => Directory.CreateDirectory(Path.Combine(Root, $"{prefix}-{Guid.NewGuid():N}")).FullName;

    public string RulesPath => Path.Combine(AppContext.BaseDirectory, "rules", "democrm.yaml");

    public string GatewayDll => Path.Combine(AppContext.BaseDirectory, "Gateway.dll");

    public static async Task<LoadEnvironment> CreateAsync()
    {
        var root = Directory.CreateTempSubdirectory("gateway-load-").FullName;
        var now = DateTimeOffset.UtcNow;
        var workspace = new DemoWorkspace(Path.Combine(root, "workspace"));
        workspace.EnsureCertificates(now);
        workspace.EnsureCrmCredential();
        workspace.EnsureHashKey();
        workspace.EnsureAuditKey();
        var issuer = DemoTokenIssuer.Ensure(workspace);
        var token = issuer.Mint(DemoTokenIssuer.Roles.Single(r => r.Name == Role), now, TimeSpan.FromHours(12));

        var redis = new LocalRedisServer();
        AuditStreamTrimmer? trimmer = null;
        MeasuredProcess? upstream = null;
        try
        {
            await GrantConsentToEverySubjectAsync(redis, workspace.AuditKeyPath);
            trimmer = await AuditStreamTrimmer.StartAsync(redis.Configuration);
            var upstreamPort = LoopbackPort.Next();
            upstream = MeasuredProcess.Start("dotnet", [typeof(LoadEnvironment).Assembly.Location, CrmLikeUpstream.Command, upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await LoopbackPort.WaitUntilListeningAsync(upstreamPort, upstream, "the upstream");
            return new LoadEnvironment(root, workspace, redis, trimmer, upstream, upstreamPort, token);
        }
        catch
        {
            upstream?.Dispose();
            trimmer?.Dispose();
            redis.Dispose();
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>Stored grants, in the gateway's own format, under the pseudonyms the gateway computes from the audit key.</summary>
    private static async Task GrantConsentToEverySubjectAsync(LocalRedisServer redis, string auditKeyPath)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var store = new ConsentStore(connection, new ConsentOptions().KeyPrefix);
        using var keys = AuditKeys.FromFile(auditKeyPath);
        var granted = new ConsentRecord(ConsentRecord.Granted, DateTimeOffset.UtcNow, "load-benchmark");
        await store.SetManyAsync([.. LoadBodies.SubjectIds.Select(id => (keys.Pseudonym(id), Purpose, granted))]);
    }

    public void Dispose()
    {
        _upstream.Dispose();
        try
        {
            _trimmer.Dispose();
        }
        finally
        {
            Redis.Dispose();
            Directory.Delete(Root, recursive: true);
        }
    }
}
