namespace Gateway.Detector.Evaluation;

/// <summary>One request of the workload, before it becomes an audit event.</summary>
/// <param name="Principal">Index into <see cref="Workload.Principals"/>; -1 for a request without a valid token.</param>
/// <param name="Contacts">Contact numbers in the response (one for a single record, a page for a list).</param>
internal sealed record WorkloadRequest(long Time, int Principal, string Address, string UserAgent, string? TokenId, int Status, bool List, int[] Contacts, string? Incident);

/// <summary>A principal of the workload: its role and habits.</summary>
internal sealed record WorkloadPrincipal(string Subject, string Role, bool Mfa, string Address, string UserAgent, int StartHour, int EndHour, int RequestsPerDay, int PageSize, int[] Book);

/// <summary>An injected incident: its kind, who, and from when to when (event time, Unix ms).</summary>
internal sealed record Incident(string Kind, string Principal, long Start, long End);

/// <summary>
/// A seeded, deterministic working week (after <see cref="WorkloadSettings.HistoryWeeks"/> weeks
/// of ordinary history) of principals across the demo roles, with injected incidents in the
/// evaluated week: every run with the same seed makes the same requests.
/// </summary>
internal sealed class Workload
{
    public const string Issuer = "https://idp.example.com";
    private static readonly string[] Browsers =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "crm-console/4.2 (+desktop)",
    ];

    public required IReadOnlyList<WorkloadPrincipal> Principals { get; init; }

    /// <summary>Ordered by time.</summary>
    public required IReadOnlyList<WorkloadRequest> Requests { get; init; }

    public required IReadOnlyList<Incident> Incidents { get; init; }

    /// <summary>Unix ms: the evaluated week starts here (history before).</summary>
    public required long EvaluatedFrom { get; init; }

    public required long End { get; init; }

    public static Workload Generate(WorkloadSettings settings)
    {
        var random = new Random(settings.Seed);
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).AddDays(-7 * settings.HistoryWeeks);
        var evaluatedFrom = start.AddDays(7 * settings.HistoryWeeks);
        var end = evaluatedFrom.AddDays(7);
        var principals = new List<WorkloadPrincipal>();
        for (var i = 0; i < settings.Principals; i++)
        {
            var (role, mfa, perDay, pageSize) = (i % 20) switch
            {
                < 12 => ("support-agent", false, random.Next(60, 160), 20),
                < 17 => ("marketing-analyst", false, random.Next(15, 40), 50),
                _ => ("compliance-officer", true, random.Next(20, 60), 20),
            };
            var startHour = random.Next(7, 10);
            var book = Enumerable.Range(0, random.Next(150, 400)).Select(_ => random.Next(settings.Contacts)).ToArray();
            principals.Add(new WorkloadPrincipal($"user-{i:000}", role, mfa, $"10.{1 + (i / 250)}.{i % 250}.{random.Next(2, 250)}", Browsers[random.Next(Browsers.Length)],
                startHour, startHour + random.Next(7, 10), perDay, pageSize, book));
        }
        var requests = new List<WorkloadRequest>();
        for (var day = start; day < end; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                continue;
            }
            for (var p = 0; p < principals.Count; p++)
            {
                OrdinaryDay(random, principals[p], p, day, requests, day >= evaluatedFrom);
            }
        }
        var incidents = Inject(random, settings, principals, evaluatedFrom, requests);
        requests.Sort((a, b) => a.Time.CompareTo(b.Time));
        return new Workload
        {
            Principals = principals,
            Requests = requests,
            Incidents = incidents,
            EvaluatedFrom = evaluatedFrom.ToUnixTimeMilliseconds(),
            End = end.ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>
    /// A working day: requests spread over the principal's hours (some days a little earlier or
    /// later), mostly single contacts of its book, some lists of one to three pages, now and then a
    /// refusal; one session token per day. In the evaluated week some principals also work from
    /// another address one day, or stay late: ordinary variation that must not raise alerts.
    /// </summary>
    private static void OrdinaryDay(Random random, WorkloadPrincipal principal, int index, DateTimeOffset day, List<WorkloadRequest> requests, bool evaluated)
    {
        if (random.NextDouble() < 0.05)
        {
            return;
        }
        var token = $"{principal.Subject}-{day:yyyyMMdd}-{random.Next():x8}";
        var address = principal.Address;
        var agent = principal.UserAgent;
        if (evaluated && random.NextDouble() < 0.03)
        {
            address = $"192.0.2.{random.Next(1, 250)}";
        }
        var from = day.AddHours(principal.StartHour + ((random.NextDouble() - 0.5) * 0.5));
        var hours = principal.EndHour - principal.StartHour + ((random.NextDouble() - 0.5) * 0.5);
        var count = (int)(principal.RequestsPerDay * (0.6 + (0.8 * random.NextDouble())));
        for (var r = 0; r < count; r++)
        {
            var time = from.AddHours(hours * random.NextDouble()).ToUnixTimeMilliseconds();
            var roll = random.NextDouble();
            if (roll < 0.01)
            {
                requests.Add(new WorkloadRequest(time, index, address, agent, token, 403, false, [], null));
                continue;
            }
            if (principal.Role == "marketing-analyst" && roll < 0.02)
            {
                requests.Add(new WorkloadRequest(time, index, address, agent, token, 451, false, [], null));
                continue;
            }
            var list = principal.Role == "marketing-analyst" ? roll < 0.7 : roll < 0.2;
            if (!list)
            {
                requests.Add(new WorkloadRequest(time, index, address, agent, token, 200, false, [principal.Book[random.Next(principal.Book.Length)]], null));
                continue;
            }
            var pages = 1 + random.Next(3);
            for (var page = 0; page < pages; page++)
            {
                var contacts = Enumerable.Range(0, principal.PageSize).Select(_ => principal.Book[random.Next(principal.Book.Length)]).ToArray();
                requests.Add(new WorkloadRequest(time + (page * 4000L), index, address, agent, token, 200, true, contacts, null));
            }
        }
    }

    /// <summary>One incident of each kind per <see cref="WorkloadSettings.IncidentsPerKind"/>, each on its own principal, on working days of the evaluated week.</summary>
    private static List<Incident> Inject(Random random, WorkloadSettings settings, List<WorkloadPrincipal> principals, DateTimeOffset week, List<WorkloadRequest> requests)
    {
        var incidents = new List<Incident>();
        var used = new HashSet<int>();
        int Pick(string role)
        {
            var candidates = Enumerable.Range(0, principals.Count).Where(p => principals[p].Role == role && !used.Contains(p)).ToList();
            var chosen = candidates[random.Next(candidates.Count)];
            used.Add(chosen);
            return chosen;
        }
        for (var n = 0; n < settings.IncidentsPerKind; n++)
        {
            DateTimeOffset WorkTime(WorkloadPrincipal p) => week.AddDays(random.Next(5)).AddHours(p.StartHour + 1 + random.Next(Math.Max(1, p.EndHour - p.StartHour - 4)));

            // A support agent pages through the whole collection, a page a second.
            var crawler = Pick("support-agent");
            var at = WorkTime(principals[crawler]).ToUnixTimeMilliseconds();
            var pages = settings.Contacts / 50;
            for (var page = 0; page < pages; page++)
            {
                requests.Add(Page(principals[crawler], crawler, at + (page * 1000L), page, 50, "bulk_crawl"));
            }
            incidents.Add(new Incident("bulk_crawl", principals[crawler].Subject, at, at + (pages * 1000L)));

            // Another pages slowly, a page of 20 a minute for three hours: far under any quota built
            // for bursts, far above its own habits.
            var slow = Pick("support-agent");
            at = week.AddDays(random.Next(5)).AddHours(principals[slow].StartHour + 0.5).ToUnixTimeMilliseconds();
            for (var page = 0; page < 180; page++)
            {
                requests.Add(Page(principals[slow], slow, at + (page * 60_000L), page, 20, "slow_crawl"));
            }
            incidents.Add(new Incident("slow_crawl", principals[slow].Subject, at, at + (180 * 60_000L)));

            // A token replayed from a new address with another client, beside its owner.
            var victim = Pick("support-agent");
            var day = week.AddDays(random.Next(5));
            at = day.AddHours(principals[victim].StartHour + 2).ToUnixTimeMilliseconds();
            var stolen = $"{principals[victim].Subject}-stolen-{random.Next():x8}";
            for (var r = 0; r < 40; r++)
            {
                var time = at + (r * 45_000L);
                requests.Add(new WorkloadRequest(time - 20_000, victim, principals[victim].Address, principals[victim].UserAgent, stolen, 200, false,
                    [principals[victim].Book[random.Next(principals[victim].Book.Length)]], null));
                requests.Add(new WorkloadRequest(time, victim, $"203.0.113.{random.Next(1, 250)}", "python-requests/2.32.3", stolen, 200, false,
                    [random.Next(settings.Contacts)], "token_replay"));
            }
            incidents.Add(new Incident("token_replay", principals[victim].Subject, at, at + (40 * 45_000L)));

            // Credential and token probing: invalid tokens from one address, 401 after 401.
            var probeAddress = $"198.51.100.{random.Next(1, 250)}";
            at = week.AddDays(random.Next(5)).AddHours(11 + random.Next(4)).ToUnixTimeMilliseconds();
            for (var r = 0; r < 60; r++)
            {
                requests.Add(new WorkloadRequest(at + (r * 2000L), -1, probeAddress, "curl/8.11.1", null, 401, false, [], "token_probing"));
            }
            incidents.Add(new Incident("token_probing", $"ip:{probeAddress}", at, at + 120_000));

            // Bulk reads at an hour the principal never works.
            var night = Pick("support-agent");
            at = week.AddDays(random.Next(5)).AddHours(2).AddMinutes(random.Next(30)).ToUnixTimeMilliseconds();
            for (var page = 0; page < 30; page++)
            {
                requests.Add(Page(principals[night], night, at + (page * 40_000L), 1000 + page, 20, "off_hours_bulk"));
            }
            incidents.Add(new Incident("off_hours_bulk", principals[night].Subject, at, at + (30 * 40_000L)));

            // Consent probing: a marketing analyst asks for what consent refuses, 451 after 451.
            var prober = Pick("marketing-analyst");
            at = WorkTime(principals[prober]).ToUnixTimeMilliseconds();
            for (var r = 0; r < 40; r++)
            {
                requests.Add(new WorkloadRequest(at + (r * 6000L), prober, principals[prober].Address, principals[prober].UserAgent,
                    $"{principals[prober].Subject}-consent-{n}", 451, false, [], "consent_probing"));
            }
            incidents.Add(new Incident("consent_probing", principals[prober].Subject, at, at + 240_000));
        }
        return incidents;

        WorkloadRequest Page(WorkloadPrincipal p, int index, long time, int page, int size, string incident) =>
            new(time, index, p.Address, p.UserAgent, $"{p.Subject}-{incident}", 200, true,
                [.. Enumerable.Range(page * size, size).Select(c => c % settings.Contacts)], incident);
    }
}

/// <summary>How big the workload is.</summary>
internal sealed record WorkloadSettings(int Seed = 7, int Principals = 60, int HistoryWeeks = 2, int Contacts = 20_000, int IncidentsPerKind = 1);
