using System.CommandLine;
using Gateway.Cli.Errors;
using Gateway.ControlPlane;
using StackExchange.Redis;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>gatewayctl revoke|unrevoke --sub X | --jti Y | --client Z [--for 24h] [--wait 5s]</c>: the
/// kill switch. The change is stored in Redis and announced; then the command waits until every
/// live gateway instance sharing the Redis reports that it applied it, so that when it returns 0
/// every request those instances check from then on sees the change.
/// </summary>
internal static class RevocationCommands
{
    public const int Failed = ExitCodes.Failed;
    public const int Usage = ExitCodes.Usage;

    /// <summary>The change is stored, but not every live gateway instance confirmed it in time (or none is live).</summary>
    public const int NotConfirmed = ExitCodes.NotConfirmed;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Command Revoke(TimeProvider time)
    {
        var command = new Command("revoke", "Deny tokens by subject, token id (jti) or client id, on every gateway sharing the Redis.");
        var target = new TargetOptions(command);
        var duration = new Option<string?>("--for") { Description = "How long, e.g. 90s, 30m, 24h, 7d (default: until unrevoked)." };
        command.Options.Add(duration);
        var wait = new WaitOption(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (kind, value) = target.Get(parse);
            var waitFor = wait.Get(parse);
            TimeSpan? lifetime = null;
            if (parse.GetValue(duration) is { } text)
            {
                if (!Durations.TryParse(text, out var parsed))
                {
                    throw CliFailure.Usage($"--for '{text}' is not a duration", "give one such as 90s, 30m, 24h or 7d");
                }
                lifetime = parsed;
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(target.Redis)!);
            var now = time.GetUtcNow();
            var prefix = parse.GetValue(target.Prefix)!;
            var store = new RevocationStore(redis, prefix);
            try
            {
                var version = await store.RevokeAsync(kind, value, lifetime, now);
                var until = lifetime is { } d ? $"until {now.Add(d):u}" : "until unrevoked";
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Revoked {Describe(kind)} '{value}' {until}.");
                return await ConfirmAsync(parse, store, prefix, version, waitFor, time, cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisFailed(ex);
            }
        });
        return command;
    }

    public static Command Unrevoke(TimeProvider time)
    {
        var command = new Command("unrevoke", "Lift a revocation made with revoke.");
        var target = new TargetOptions(command);
        var wait = new WaitOption(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (kind, value) = target.Get(parse);
            var waitFor = wait.Get(parse);
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(target.Redis)!);
            var prefix = parse.GetValue(target.Prefix)!;
            var store = new RevocationStore(redis, prefix);
            try
            {
                var (removed, version) = await store.UnrevokeAsync(kind, value);
                if (!removed)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"{Describe(kind)} '{value}' was not revoked; nothing changed.");
                    return 0;
                }
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Lifted the revocation of {Describe(kind)} '{value}'.");
                return await ConfirmAsync(parse, store, prefix, version, waitFor, time, cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisFailed(ex);
            }
        });
        return command;
    }

    /// <summary>Waits for every live gateway instance to confirm <paramref name="version"/>, and says how many did.</summary>
    private static async Task<int> ConfirmAsync(ParseResult parse, RevocationStore store, string prefix, long version, TimeSpan waitFor, TimeProvider time, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        if (waitFor == TimeSpan.Zero)
        {
            await output.WriteLineAsync("Not waiting for gateway instances to confirm (--wait 0); each applies the change within its RefreshInterval at the latest.");
            return 0;
        }
        var confirmation = await store.WaitUntilAppliedAsync(version, waitFor, PollInterval, time, cancellationToken);
        if (confirmation.Complete)
        {
            await output.WriteLineAsync($"Applied by all {confirmation.Confirmed} live gateway {Plural(confirmation.Confirmed)} (denylist version {version}).");
            return 0;
        }
        if (confirmation.Confirmed == 0 && confirmation.Unconfirmed.Count == 0)
        {
            throw new CliFailure(
                $"stored, but no live gateway instance reports under prefix '{prefix}'",
                "check that --prefix matches Gateway:Identity:Revocation:KeyPrefix and that the gateways reach this Redis (gateways that start later load the change before serving)",
                NotConfirmed);
        }
        var live = confirmation.Confirmed + confirmation.Unconfirmed.Count;
        var missing = string.Join(", ", confirmation.Unconfirmed.Select(i => $"{i.Id} (counts as live for {i.LiveFor.TotalSeconds:0} s more)"));
        throw new CliFailure(
            $"stored, but only {confirmation.Confirmed} of {live} live gateway instances confirmed within {waitFor.TotalSeconds:0.###} s; not confirmed: {missing}",
            "check those instances (/readyz, their Redis connection) and run the command again (with a longer --wait) until it confirms; a crashed instance drops out when its time runs out",
            NotConfirmed);
    }

    private static CliFailure RedisFailed(Exception exception) => new(
        $"Redis failed while changing the denylist or reading confirmations ({FailureMessages.Sentence(exception.Message)})",
        "check that Redis is running, then run the command again until it exits 0",
        Failed,
        exception);

    private static string Plural(int count) => count == 1 ? "instance" : "instances";

    private static string Describe(RevocationKind kind) => kind switch
    {
        RevocationKind.Subject => "subject",
        RevocationKind.TokenId => "token id",
        _ => "client",
    };

    /// <summary><c>--wait</c>: how long to wait for confirmations; 0 not to wait.</summary>
    private sealed class WaitOption
    {
        private readonly Option<string> _wait = new("--wait")
        {
            Description = "How long to wait until every live gateway instance confirms it applied the change, e.g. 5s, 1m; 0 not to wait (default: 5s).",
            DefaultValueFactory = _ => "5s",
        };

        public WaitOption(Command command) => command.Options.Add(_wait);

        public TimeSpan Get(ParseResult parse)
        {
            var text = parse.GetValue(_wait);
            if (text is "0" or "0s")
            {
                return TimeSpan.Zero;
            }
            return Durations.TryParse(text, out var wait)
                ? wait
                : throw CliFailure.Usage($"--wait '{text}' is not a duration", "give one such as 5s or 1m, or 0 not to wait");
        }
    }

    /// <summary>Exactly one of --sub, --jti and --client, plus --redis and --prefix.</summary>
    private sealed class TargetOptions
    {
        private readonly Option<string?> _subject = new("--sub") { Description = "Every token of this subject (sub claim)." };
        private readonly Option<string?> _tokenId = new("--jti") { Description = "One token, by its jti claim." };
        private readonly Option<string?> _client = new("--client") { Description = "Every token issued to this OAuth client (client_id / azp)." };

        public TargetOptions(Command command)
        {
            command.Options.Add(_subject);
            command.Options.Add(_tokenId);
            command.Options.Add(_client);
            command.Options.Add(Redis);
            command.Options.Add(Prefix);
        }

        public Option<string> Redis { get; } = RedisOptionsForCli.Create();

        public Option<string> Prefix { get; } = new("--prefix")
        {
            Description = "Key prefix (Gateway:Identity:Revocation:KeyPrefix).",
            DefaultValueFactory = _ => "gateway:revocations",
        };

        public (RevocationKind Kind, string Value) Get(ParseResult parse)
        {
            var given = new[]
            {
                (RevocationKind.Subject, parse.GetValue(_subject)),
                (RevocationKind.TokenId, parse.GetValue(_tokenId)),
                (RevocationKind.Client, parse.GetValue(_client)),
            }.Where(t => !string.IsNullOrWhiteSpace(t.Item2)).ToList();
            return given.Count == 1
                ? (given[0].Item1, given[0].Item2!)
                : throw CliFailure.Usage($"{(given.Count == 0 ? "no" : "more than one")} token named", "name exactly one of --sub, --jti and --client");
        }
    }
}
