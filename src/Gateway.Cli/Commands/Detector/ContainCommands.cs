using System.CommandLine;
using System.Globalization;
using Gateway.Audit;
using Gateway.Cli.Commands.Audit;
using Gateway.Cli.Errors;
using Gateway.ControlPlane;
using Gateway.Detector;
using StackExchange.Redis;

namespace Gateway.Cli.Commands.Detector;

/// <summary>
/// <c>gatewayctl contain list|release</c>: principals the detector (or anyone) contained. Release
/// lifts a subject's suspension and its tightened quotas, waits until every live gateway instance
/// applied it, and audits it on the audit stream (a <c>containment</c> change under this machine's
/// gatewayctl chain), so it needs the audit key. Exit codes: 0 done, 1 Redis failed, 2 usage,
/// 3 stored but not confirmed by every live instance.
/// </summary>
internal static class ContainCommands
{
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotConfirmed = 3;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Command Build(TimeProvider time)
    {
        var command = new Command("contain", "Principals contained by the anomaly detector: list them, release one.");
        command.Subcommands.Add(List(time));
        command.Subcommands.Add(Release(time));
        return command;
    }

    private static Command List(TimeProvider time)
    {
        var prefixes = new Prefixes();
        var redisOption = RedisOptionsForCli.Create();
        var command = new Command("list", "Suspended subjects and tightened quotas in force.") { redisOption };
        prefixes.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(redisOption)!);
            var output = parse.InvocationConfiguration.Output;
            var now = time.GetUtcNow();
            var (_, entries) = await new RevocationStore(redis, parse.GetValue(prefixes.Revocation)!).LoadAsync(now);
            var suspended = entries.Where(e => RevocationFields.TryParse(e.Key, out var r) && r.Kind == RevocationKind.Subject).ToList();
            var overrides = await new QuotaOverrideStore(redis, parse.GetValue(prefixes.Quota)!).ListAsync(now);
            foreach (var (field, expiry) in suspended.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                RevocationFields.TryParse(field, out var revocation);
                await output.WriteLineAsync($"suspended  {revocation.Value}  {(expiry == 0 ? "until released" : $"until {DateTimeOffset.FromUnixTimeSeconds(expiry):u}")}");
            }
            foreach (var tightened in overrides)
            {
                await output.WriteLineAsync($"tightened  {tightened.Principal}  to {tightened.Factor.ToString("0.###", CultureInfo.InvariantCulture)} until {tightened.Until:u}  by {tightened.Actor}: {tightened.Reason}");
            }
            if (suspended.Count + overrides.Count == 0)
            {
                await output.WriteLineAsync("Nobody is contained.");
            }
            return 0;
        });
        return command;
    }

    private static Command Release(TimeProvider time)
    {
        var audit = new AuditStreamOptions();
        var prefixes = new Prefixes();
        var subject = new Option<string>("--sub") { Description = "The principal (token sub) to release.", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit trail." };
        var wait = new Option<string>("--wait") { Description = "How long to wait for every live gateway instance to apply the release (0: do not wait).", DefaultValueFactory = _ => "5s" };
        var command = new Command("release", "Lift a principal's suspension and tightened quotas; audited.") { subject, reason, wait };
        audit.AddTo(command, withKey: true);
        prefixes.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            var principal = parse.GetValue(subject)!.Trim();
            if (principal.Length == 0)
            {
                await error.WriteLineAsync("--sub must name a principal.");
                return Usage;
            }
            var waitText = parse.GetValue(wait)!;
            var waitFor = TimeSpan.Zero;
            if (waitText is not ("0" or "0s") && !Durations.TryParse(waitText, out waitFor))
            {
                await error.WriteLineAsync($"--wait '{waitText}' is not a duration such as 5s or 1m (or 0 not to wait).");
                return Usage;
            }
            using var keys = audit.LoadKeys(parse);
            if (keys is null)
            {
                return Usage;
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(audit.Redis)!);
            try
            {
                var revocations = new RevocationStore(redis, parse.GetValue(prefixes.Revocation)!);
                var (unsuspended, version) = await revocations.UnrevokeAsync(RevocationKind.Subject, principal);
                var untightened = await new QuotaOverrideStore(redis, parse.GetValue(prefixes.Quota)!).ReleaseAsync(principal);
                if (!unsuspended && !untightened)
                {
                    await output.WriteLineAsync($"'{principal}' was neither suspended nor had tightened quotas; nothing changed.");
                    return 0;
                }
                var lifted = string.Join(" and ", new[] { unsuspended ? "suspension" : null, untightened ? "tightened quotas" : null }.OfType<string>());
                var writer = new ChainedAuditWriter(redis, parse.GetValue(audit.Stream)!, keys, $"gatewayctl/{Environment.MachineName}");
                await writer.AddAsync(new GatewayChangeEvent(time.GetUtcNow())
                {
                    Change = "containment",
                    Accepted = true,
                    Message = $"Released {principal}: {lifted} lifted by {Environment.UserName}{(parse.GetValue(reason) is { Length: > 0 } why ? $" ({why})" : "")}.",
                    Details = new Dictionary<string, string>
                    {
                        ["action"] = "release",
                        ["principal"] = principal,
                        ["dry_run"] = "false",
                        ["released"] = lifted,
                        ["actor"] = Environment.UserName,
                    },
                    Items = [new ChangedItem("released", "subject", principal)],
                });
                await output.WriteLineAsync($"Released '{principal}': {lifted} lifted (audited).");
                if (!unsuspended || waitFor == TimeSpan.Zero)
                {
                    return 0;
                }
                var confirmation = await revocations.WaitUntilAppliedAsync(version, waitFor, PollInterval, time, cancellationToken);
                if (confirmation.Complete)
                {
                    await output.WriteLineAsync($"Applied by all {confirmation.Confirmed} live gateway instance(s).");
                    return 0;
                }
                await error.WriteLineAsync(confirmation.Confirmed + confirmation.Unconfirmed.Count == 0
                    ? $"Stored, but no live gateway instance reports under prefix '{parse.GetValue(prefixes.Revocation)}'; check --revocation-prefix."
                    : $"Stored, but only {confirmation.Confirmed} of {confirmation.Confirmed + confirmation.Unconfirmed.Count} live gateway instances confirmed within {waitFor.TotalSeconds:0.###} s; run the command again.");
                return NotConfirmed;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw new CliFailure($"Redis failed while releasing '{principal}' ({FailureMessages.Sentence(ex.Message)})", "check that Redis is running, then run the command again until it exits 0", ExitCodes.Failed, ex);
            }
        });
        return command;
    }

    /// <summary><c>--revocation-prefix</c> and <c>--quota-prefix</c>, defaulting to the gateway's settings in the environment.</summary>
    private sealed class Prefixes
    {
        public Option<string> Revocation { get; } = new("--revocation-prefix")
        {
            Description = "Key prefix of the denylist (Gateway:Identity:Revocation:KeyPrefix).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Gateway__Identity__Revocation__KeyPrefix") is { Length: > 0 } p ? p : "gateway:revocations",
        };

        public Option<string> Quota { get; } = new("--quota-prefix")
        {
            Description = "Key prefix of the quotas (Gateway:Quota:KeyPrefix).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Gateway__Quota__KeyPrefix") is { Length: > 0 } p ? p : "gateway:quota",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Revocation);
            command.Options.Add(Quota);
        }
    }
}
