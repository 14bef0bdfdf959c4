using Gateway.Masking;
using StackExchange.Redis;

namespace Gateway.Consent;

/// <summary>
/// The consent register in Redis: one hash per subject, keyed by the subject's keyed hash
/// (<c>{prefix}:{hash}</c>, field = purpose, value = <see cref="ConsentRecord"/> JSON), and one
/// channel announcing which subject changed (<c>*</c> after a bulk import), so every gateway evicts
/// its cached answers at once. Holds no subject id in clear.
/// </summary>
internal sealed class ConsentStore(IConnectionMultiplexer redis, string keyPrefix)
{
    public const string Everyone = "*";

    public RedisChannel Channel { get; } = RedisChannel.Literal($"{keyPrefix}:changed");

    /// <summary>One pipelined round trip for all subjects; one answer per subject, null where none is stored.</summary>
    public async Task<ConsentRecord?[]> GetAsync(IReadOnlyList<SubjectHash> subjectHashes, string purpose)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var replies = new Task<RedisValue>[subjectHashes.Count];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = batch.HashGetAsync(Key(subjectHashes[i]), purpose);
        }
        batch.Execute();
        await Task.WhenAll(replies);
        return [.. replies.Select(reply => Parse(reply.Result))];
    }

    public async Task<IReadOnlyDictionary<string, ConsentRecord?>> GetAllAsync(string subjectHash)
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(Key(subjectHash));
        return entries.ToDictionary(e => e.Name.ToString(), e => Parse(e.Value), StringComparer.Ordinal);
    }

    public async Task SetAsync(string subjectHash, string purpose, ConsentRecord record)
    {
        await redis.GetDatabase().HashSetAsync(Key(subjectHash), purpose, record.ToJson());
        await redis.GetSubscriber().PublishAsync(Channel, subjectHash);
    }

    /// <summary>Writes many records in one transaction (all or none), then one announcement.</summary>
    public async Task SetManyAsync(IReadOnlyList<(string SubjectHash, string Purpose, ConsentRecord Record)> records)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var writes = records.Select(r => transaction.HashSetAsync(Key(r.SubjectHash), r.Purpose, r.Record.ToJson())).ToList();
        if (!await transaction.ExecuteAsync())
        {
            throw new RedisException("The consent import transaction was not applied.");
        }
        await Task.WhenAll(writes);
        await redis.GetSubscriber().PublishAsync(Channel, Everyone);
    }

    private RedisKey Key(string subjectHash) => $"{keyPrefix}:{subjectHash}";

    private RedisKey Key(SubjectHash subject) => string.Create(keyPrefix.Length + 1 + SubjectHash.HexChars, (keyPrefix, subject), static (key, state) =>
    {
        state.keyPrefix.CopyTo(key);
        key[state.keyPrefix.Length] = ':';
        state.subject.WriteHex(key[(state.keyPrefix.Length + 1)..]);
    });

    /// <summary>Read from the reply's bytes: a string of each stored value was most of what a lookup allocated.</summary>
    private static ConsentRecord? Parse(RedisValue stored) => stored.IsNull ? null : ConsentRecord.Parse(((ReadOnlyMemory<byte>)stored).Span);
}
