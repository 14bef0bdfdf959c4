using System.CommandLine;
using StackExchange.Redis;

namespace Gateway.Cli.Commands;

/// <summary><c>--redis</c>, defaulting to the gateway's own setting in the environment, as every Redis-backed command takes it.</summary>
internal static class RedisOptionsForCli
{
    public const string EnvironmentVariable = "Gateway__Redis__Configuration";

    public static Option<string> Create() => new("--redis")
    {
        Description = $"StackExchange.Redis configuration string (default: ${EnvironmentVariable}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(EnvironmentVariable) ?? string.Empty,
    };

    public static async Task<IConnectionMultiplexer?> ConnectAsync(string configuration, TextWriter error)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            await error.WriteLineAsync($"No Redis to talk to: pass --redis or set {EnvironmentVariable}.");
            return null;
        }
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            options.ConnectTimeout = 5000;
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception ex) when (ex is RedisConnectionException or ArgumentException)
        {
            await error.WriteLineAsync($"Cannot reach Redis: {ex.Message}");
            return null;
        }
    }
}
