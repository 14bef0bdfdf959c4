using System.Diagnostics;
using System.Security.Cryptography;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Deploy;

/// <summary>
/// A real redis-server started by the shipped deploy/redis/start-redis.sh with the shipped redis.conf
/// and users.acl, adapted only where a test must: its data directory (the file says /data), a
/// loopback port, and one extra user, test-admin, that reads what the others may not (the audit
/// stream's length, ACL LOG) without weakening the users under test.
/// </summary>
public sealed class ShippedRedis : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shipped-redis-").FullName;
    private Process? _process;

    public static string RedisDirectory => Path.Combine(RepositoryRoot.Path, "deploy", "redis");

    public int Port { get; } = FreePort.Next();

    public string PasswordDirectory => Path.Combine(_directory, "passwords");

    public string GatewayConfiguration => ConfigurationFor("gateway");

    public string GatewayCtlConfiguration => ConfigurationFor("gatewayctl");

    public string AdminConfiguration => ConfigurationFor("test-admin");

    public string ConfigurationFor(string user, string? password = null) =>
        $"127.0.0.1:{Port},user={user},password={password ?? Password(user)},connectTimeout=3000";

    public string Password(string user) => File.ReadAllText(Path.Combine(PasswordDirectory, user)).Trim();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(PasswordDirectory);
        var data = Directory.CreateDirectory(Path.Combine(_directory, "data")).FullName;
        foreach (var user in new[] { "gateway", "gatewayctl", "test-admin" })
        {
            File.WriteAllText(Path.Combine(PasswordDirectory, user), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) + "\n");
        }
        var config = Path.Combine(_directory, "redis.conf");
        var shippedConfig = await File.ReadAllLinesAsync(Path.Combine(RedisDirectory, "redis.conf"));
        Assert.Contains("dir /data", shippedConfig);
        await File.WriteAllLinesAsync(config, shippedConfig.Select(line => line == "dir /data" ? $"dir {data}" : line));
        var users = Path.Combine(_directory, "users.acl");
        await File.WriteAllTextAsync(users, await File.ReadAllTextAsync(Path.Combine(RedisDirectory, "users.acl")) + "\nuser test-admin on ~* &* +@all\n");

        var (process, _) = StartScript(new Dictionary<string, string>
        {
            ["REDIS_CONF"] = config,
            ["REDIS_USERS"] = users,
            ["REDIS_PASSWORD_DIR"] = PasswordDirectory,
            ["REDIS_ACL_FILE"] = Path.Combine(_directory, "written.acl"),
        }, "--port", Port.ToString(), "--bind", "127.0.0.1");
        _process = process;
        RedisConnectionException? last = null;
        var answered = await Eventually.HoldsWithinAsync(async () =>
        {
            try
            {
                await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConfiguration);
                await admin.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException ex) when (!process.HasExited)
            {
                last = ex;
                return false;
            }
        }, TimeSpan.FromSeconds(15));
        if (!answered)
        {
            throw last!;
        }
    }

    /// <summary>Runs start-redis.sh with <paramref name="environment"/>; the output is read until the process ends.</summary>
    public static (Process Process, Task<string> Output) StartScript(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("sh")
        {
            ArgumentList = { Path.Combine(RedisDirectory, "start-redis.sh") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("sh did not start.");
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync())
            .ContinueWith(t => string.Concat(t.Result), TaskScheduler.Default);
        return (process, output);
    }

    /// <summary>The ACL LOG entries (denied commands, keys, channels, logins) as "reason user object" lines.</summary>
    public async Task<List<string>> AclLogAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConfiguration);
        var log = (RedisResult[])(await admin.GetDatabase().ExecuteAsync("ACL", "LOG", "128"))!;
        return [.. log.Select(entry =>
        {
            var fields = (RedisResult[])entry!;
            string Field(string name) => (string?)fields[Array.FindIndex(fields, f => (string?)f == name) + 1] ?? "";
            return $"{Field("reason")} {Field("username")} {Field("object")}";
        })];
    }

    public async Task ResetAclLogAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(AdminConfiguration);
        await admin.GetDatabase().ExecuteAsync("ACL", "LOG", "RESET");
    }

    public Task DisposeAsync()
    {
        RedisServerFixture.Stop(_process);
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
