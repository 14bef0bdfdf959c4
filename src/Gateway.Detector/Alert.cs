namespace Gateway.Detector;

/// <summary>One reason an alert was raised, in words, with the numbers it compared.</summary>
/// <param name="Name">records_rate, distinct_subjects, clear_high_sensitivity, paging_sweep, refusals_401 (…403, 429, 451), new_address, new_user_agent, token_several_addresses, off_hours.</param>
/// <param name="Score">This signal's own score, 0 to 100.</param>
internal sealed record Signal(string Name, int Score, string Reason, long Value = 0, long Threshold = 0);

/// <summary>What the detector found about one principal: its score, why, the events that are the evidence, and what the policy does about it.</summary>
internal sealed record Alert
{
    /// <summary>Derived from the principal, the 10-minute window and the tier, so a replay of the same events makes the same id.</summary>
    public required string Id { get; init; }

    public required string Principal { get; init; }

    public required bool HasSubject { get; init; }

    public string? Role { get; init; }

    public required int Score { get; init; }

    public required IReadOnlyList<Signal> Signals { get; init; }

    /// <summary>Audit event ids (metadata.uid), newest first, at most 50.</summary>
    public required IReadOnlyList<string> Evidence { get; init; }

    /// <summary>Requests of the principal in the last hour, of which <see cref="Evidence"/> names the latest.</summary>
    public required long EvidenceCount { get; init; }

    /// <summary>Event time (Unix ms) of the oldest and newest evidence.</summary>
    public required long FirstSeen { get; init; }

    public required long LastSeen { get; init; }

    public string? ClientIp { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>When the detector raised it (its clock).</summary>
    public required DateTimeOffset Created { get; init; }

    public required ContainmentPlan Plan { get; init; }
}

/// <summary>What the policy says to do: the rule's action and, when nothing is done, why.</summary>
/// <param name="Action">alert, tighten or suspend.</param>
/// <param name="Skipped">Null when the action is carried out; else dry_run, allowlisted, no_subject or too_old.</param>
internal sealed record ContainmentPlan(string Action, double Factor, TimeSpan Duration, string? Skipped)
{
    public static int Tier(string action) => action switch
    {
        "suspend" => 2,
        "tighten" => 1,
        _ => 0,
    };
}
