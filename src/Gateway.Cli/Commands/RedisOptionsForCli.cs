using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Gateway.Cli.Errors;
using StackExchange.Redis;

namespace Gateway.Cli.Commands;

/// <summary><c>--redis</c>, defaulting to the gateway's own setting in the environment, as every Redis-backed command takes it.</summary>
internal static class RedisOptionsForCli
{
    public const string EnvironmentVariable = "Gateway__Redis__Configuration";

    /// <summary>How long a connection may take; a refused one fails at once.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static Option<string> Create() => new("--redis")
    {
        Description = $"StackExchange.Redis configuration string (default: ${EnvironmentVariable}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(EnvironmentVariable) ?? string.Empty,
    };

    /// <summary>Connects, or throws a <see cref="CliFailure"/> naming the server and what to check.</summary>
    public static async Task<IConnectionMultiplexer> ConnectAsync(string configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            throw CliFailure.Usage("no Redis to talk to", $"pass --redis host:port or set {EnvironmentVariable}");
        }
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw CliFailure.Usage($"--redis is not a Redis configuration string ({FailureMessages.Sentence(ex.Message)})", "pass host:port, optionally followed by ,user=...,password=...,ssl=true");
        }
        if (options.EndPoints.Count == 0)
        {
            throw CliFailure.Usage("--redis names no server", "pass host:port, optionally followed by ,user=...,password=...,ssl=true");
        }
        // The command needs Redis now: fail rather than keep retrying in the background.
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        var servers = string.Join(", ", options.EndPoints.Select(Describe));
        foreach (var endpoint in options.EndPoints)
        {
            await ProbeAsync(endpoint);
        }
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
        {
            throw new CliFailure($"Redis at {servers} refused the credentials", "check user= and password= in --redis (or the gateway's ACL user in deploy/redis/users.acl)", ExitCodes.Failed, ex);
        }
        catch (RedisConnectionException ex)
        {
            throw new CliFailure(
                $"{servers} accepts connections but does not answer as Redis",
                $"is that the Redis port? Does it need ,ssl=true or ,user=...,password=... in --redis (or {EnvironmentVariable})?",
                ExitCodes.Failed,
                ex);
        }
    }

    /// <summary>
    /// A plain TCP connection first: the client library waits out its whole connect timeout even
    /// when the port refuses, and then names no reason. The socket says at once what is wrong.
    /// </summary>
    private static async Task ProbeAsync(EndPoint endpoint)
    {
#pragma warning disable RS0030 // A socket's connect timeout: the machine's clock, which no test needs to drive.
        using var timeout = new CancellationTokenSource(ConnectTimeout);
#pragma warning restore RS0030
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData)
        {
            throw new CliFailure($"cannot reach Redis at {Describe(endpoint)} (no such host)", $"check the host name in --redis (or {EnvironmentVariable})", ExitCodes.Failed, ex);
        }
        catch (SocketException ex)
        {
            throw new CliFailure($"cannot reach Redis at {Describe(endpoint)} ({FailureMessages.Sentence(ex.Message).ToLowerInvariant()})", $"is Redis running there? Check --redis (or {EnvironmentVariable})", ExitCodes.Failed, ex);
        }
        catch (OperationCanceledException ex)
        {
            throw new CliFailure($"cannot reach Redis at {Describe(endpoint)} (no answer within {ConnectTimeout.TotalSeconds:0} s)", $"is Redis running there, and does a firewall let this machine in? Check --redis (or {EnvironmentVariable})", ExitCodes.Failed, ex);
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString() ?? "?",
    };
}
