using System.Globalization;
using Gateway.Audit;
using Gateway.ControlPlane;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Detector;

/// <summary>What containment did about one alert, as its state and the detector's figures record it.</summary>
internal sealed record ContainmentOutcome(string Status, TimeSpan Elapsed, int ConfirmedInstances = 0, DateTimeOffset? Until = null);

/// <summary>
/// Carries out an alert's plan: tightens the principal's quotas (<see cref="QuotaOverrideStore"/>)
/// or suspends it (<see cref="RevocationStore"/>: every token of the subject refused, then waits
/// until every live gateway instance confirms). Whatever is done, or would be done (dry run), or is
/// not done and why (allowlisted, no subject, events too old), is written on the alert's state and
/// audited as a <c>containment</c> change on the audit stream.
/// </summary>
internal sealed partial class Containment(
    IConnectionMultiplexer redis,
    ContainmentOptions options,
    AlertStore alerts,
    ChainedAuditWriter audit,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private readonly RevocationStore _revocations = new(redis, options.RevocationKeyPrefix ?? "gateway:revocations");
    private readonly QuotaOverrideStore _quotas = new(redis, options.QuotaKeyPrefix ?? "gateway:quota");

    public async Task<ContainmentOutcome?> ApplyAsync(Alert alert, CancellationToken cancellationToken)
    {
        var plan = alert.Plan;
        if (plan.Action == "alert")
        {
            return null;
        }
        var now = time.GetUtcNow();
        var until = now.Add(plan.Duration);
        ContainmentOutcome outcome;
        try
        {
            if (plan.Skipped is { } skipped)
            {
                outcome = new ContainmentOutcome(skipped, TimeSpan.Zero);
            }
            else if (plan.Action == "tighten")
            {
                await _quotas.TightenAsync(alert.Principal, plan.Factor, plan.Duration, $"alert {alert.Id}: score {alert.Score}", audit.Instance, now);
                outcome = new ContainmentOutcome("applied", time.GetUtcNow() - alert.Created, Until: until);
            }
            else
            {
                var version = await _revocations.RevokeAsync(RevocationKind.Subject, alert.Principal, plan.Duration, now);
                var confirmation = await _revocations.WaitUntilAppliedAsync(version, options.ConfirmTimeout, PollInterval, time, cancellationToken);
                outcome = new ContainmentOutcome(confirmation.Complete ? "confirmed" : "unconfirmed", time.GetUtcNow() - alert.Created, confirmation.Confirmed, until);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogFailed(logger, alert.Id, plan.Action, ex.GetType().Name);
            outcome = new ContainmentOutcome("failed", time.GetUtcNow() - alert.Created);
        }
        await RecordAsync(alert, outcome);
        return outcome;
    }

    private async Task RecordAsync(Alert alert, ContainmentOutcome outcome)
    {
        var plan = alert.Plan;
        var state = new Dictionary<string, string>
        {
            ["containment_action"] = plan.Action,
            ["containment_status"] = outcome.Status,
            ["containment_ms"] = ((long)outcome.Elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        };
        if (outcome.Until is { } until)
        {
            state["containment_until"] = until.ToString("O", CultureInfo.InvariantCulture);
        }
        if (plan.Action == "suspend" && outcome.Status is "confirmed" or "unconfirmed")
        {
            state["containment_confirmed_instances"] = outcome.ConfirmedInstances.ToString(CultureInfo.InvariantCulture);
        }
        var details = new Dictionary<string, string>
        {
            ["alert_id"] = alert.Id,
            ["action"] = plan.Action,
            ["principal"] = alert.Principal,
            ["dry_run"] = outcome.Status == "dry_run" ? "true" : "false",
            ["score"] = alert.Score.ToString(CultureInfo.InvariantCulture),
            ["outcome"] = outcome.Status,
        };
        if (outcome.Until is { } end)
        {
            details["until"] = end.ToString("O", CultureInfo.InvariantCulture);
        }
        var done = outcome.Status is "applied" or "confirmed";
        var verb = plan.Action == "suspend" ? "suspended" : "tightened";
        var message = outcome.Status switch
        {
            "applied" => $"Quotas of {alert.Principal} tightened to {plan.Factor:0.###} until {outcome.Until:u} (alert {alert.Id}, score {alert.Score}).",
            "confirmed" => $"{alert.Principal} suspended until {outcome.Until:u}; all {outcome.ConfirmedInstances} live gateway instances confirmed (alert {alert.Id}, score {alert.Score}).",
            "unconfirmed" => $"{alert.Principal} suspended until {outcome.Until:u}, but not every live gateway instance confirmed within {options.ConfirmTimeout.TotalSeconds:0.###} s (alert {alert.Id}).",
            "dry_run" => $"Dry run: would have {verb} {alert.Principal} (alert {alert.Id}, score {alert.Score}).",
            "allowlisted" => $"Not contained: {alert.Principal} is on the allowlist (alert {alert.Id}, score {alert.Score}).",
            "no_subject" => $"Not contained: {alert.Principal} names no token subject to contain (alert {alert.Id}, score {alert.Score}).",
            "too_old" => $"Not contained: the events of alert {alert.Id} are older than {options.MaxEventAge.TotalMinutes:0.#} min.",
            _ => $"Containment of {alert.Principal} failed (alert {alert.Id}); Redis did not answer.",
        };
        try
        {
            await alerts.SetStateAsync(alert.Id, state);
            await audit.AddAsync(new GatewayChangeEvent(time.GetUtcNow())
            {
                Change = "containment",
                Accepted = done || outcome.Status is "dry_run" or "allowlisted" or "no_subject" or "too_old",
                ReasonCode = outcome.Status is "failed" or "unconfirmed" ? $"containment_{outcome.Status}" : null,
                Message = message,
                Details = details,
                Items = done || outcome.Status == "unconfirmed" ? [new ChangedItem(verb, "subject", alert.Principal)] : [],
            });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogNotRecorded(logger, alert.Id, ex.GetType().Name);
        }
        LogOutcome(logger, alert.Id, plan.Action, outcome.Status, (long)outcome.Elapsed.TotalMilliseconds);
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Error, Message = "Containment for alert {AlertId} ({Action}) failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string alertId, string action, string error);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Error, Message = "The containment outcome of alert {AlertId} could not be recorded: {Error}")]
    private static partial void LogNotRecorded(ILogger logger, string alertId, string error);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Alert {AlertId}: {Action} {Status} after {ElapsedMs} ms")]
    private static partial void LogOutcome(ILogger logger, string alertId, string action, string status, long elapsedMs);
}
