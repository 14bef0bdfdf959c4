using StackExchange.Redis;

namespace Gateway.Detector;

/// <summary>
/// The alerts stream and each alert's state. An alert is added once: one script claims its state
/// hash (<c>PREFIX:alert:ID</c>, field <c>entry</c>) and adds the stream entry (fields <c>id</c>,
/// <c>alert</c>), so the same alert raised again from replayed events is not added twice. The
/// hash then gathers what happened since: the containment's outcome, an analyst's acknowledgement.
/// Used by the detector and by gatewayctl.
/// </summary>
public sealed class AlertStore(IConnectionMultiplexer redis, string alertsStream, string keyPrefix)
{
    public const string IdField = "id";
    public const string AlertField = "alert";

    /// <summary>Alert state is kept this long (the stream entry follows the stream's own trimming).</summary>
    public static readonly TimeSpan StateLifetime = TimeSpan.FromDays(90);

    private const string AddOnce = """
        if redis.call('HSETNX', KEYS[2], 'entry', '') == 0 then
          return false
        end
        local entry = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'alert', ARGV[2])
        redis.call('HSET', KEYS[2], 'entry', entry, 'principal', ARGV[3], 'score', ARGV[4], 'created', ARGV[5])
        redis.call('PEXPIRE', KEYS[2], ARGV[6])
        return entry
        """;

    public string Stream { get; } = alertsStream;

    public RedisKey StateKey(string id) => $"{keyPrefix}:alert:{id}";

    /// <returns>The stream entry id, or null when this alert was added before (a replay).</returns>
    internal async Task<string?> AddAsync(Alert alert, byte[] json)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(AddOnce, [Stream, StateKey(alert.Id)],
            [alert.Id, json, alert.Principal, alert.Score, alert.Created.ToUnixTimeMilliseconds(), (long)StateLifetime.TotalMilliseconds]);
        return result.IsNull ? null : (string?)result;
    }

    /// <summary>Records fields of an alert's state (containment outcome, acknowledgement).</summary>
    public Task SetStateAsync(string id, IEnumerable<KeyValuePair<string, string>> fields) =>
        redis.GetDatabase().HashSetAsync(StateKey(id), [.. fields.Select(f => new HashEntry(f.Key, f.Value))]);

    /// <returns>The alert's state, or null when no alert has this id (or its state expired).</returns>
    public async Task<IReadOnlyDictionary<string, string>?> GetStateAsync(string id)
    {
        var fields = await redis.GetDatabase().HashGetAllAsync(StateKey(id));
        return fields.Length == 0 ? null : fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString(), StringComparer.Ordinal);
    }

    /// <returns>The alert's JSON from the stream, or null when its entry is gone.</returns>
    public async Task<string?> GetAlertAsync(string entryId)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(Stream, entryId, entryId, 1);
        return entries.Length == 0 ? null : (string?)entries[0][AlertField];
    }

    /// <summary>Stream entries after <paramref name="after"/> (exclusive; "0" for all), at most <paramref name="count"/>.</summary>
    public async Task<StreamEntry[]> ReadAsync(string after, int count) =>
        await redis.GetDatabase().StreamRangeAsync(Stream, after == "0" ? "-" : $"({after}", "+", count);
}
