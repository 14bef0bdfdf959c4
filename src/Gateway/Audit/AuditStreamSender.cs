using StackExchange.Redis;

namespace Gateway.Audit;

/// <summary>
/// Adds spooled events to the Redis Stream (fields <c>event</c> and <c>hash</c>), a batch at a time
/// in one script that XADDs them all and then trims the stream by age. A batch arrives whole or not at
/// all: as plain pipelined XADDs, a connection lost mid-batch let the head of a batch vanish while
/// its tail, held back by the client library until Redis was back, arrived later, and the SOC saw a
/// gap and events out of order. The same script keeps, per instance, the last sequence number added
/// and its hash (hash <c>STREAM:last-added</c>), and refuses a batch that starts at or before it: a
/// batch sent again after a timeout that had arrived after all, or the events a restart sends again
/// from the spool, are not added twice. The writer then checks against its spool that the stream's
/// last event is its own, and goes on after it.
/// </summary>
internal sealed class AuditStreamSender(AuditOptions options, string instance, TimeProvider time)
{
    /// <summary>
    /// One command with every event as arguments: Redis runs a script without interleaving, and
    /// writes its XADDs to the AOF as one MULTI/EXEC. A MULTI/EXEC sent by the client would do the
    /// same, but StackExchange.Redis wraps each queued command and its reply: 1 KB more per event.
    /// ARGV: the oldest entry id kept, the instance, '1' to add even what does not come after the last
    /// added (another process uses this instance's name), then sequence, event and hash of each event.
    /// The trim comes with every batch. An approximate XTRIM removes at most 10 000 entries (100 times
    /// <c>stream-node-max-entries</c>), so a trim once a minute let a gateway serving more than about
    /// 170 requests/s outgrow its retention for good. Trimmed as events are added, a stream at its
    /// retention reuses the memory of the ones it drops; a growing one takes fresh memory for every
    /// event (page faults): twice Redis's CPU per event.
    /// </summary>
    private static readonly string AddAfterLastThenTrim = $$"""
        local last = redis.call('HGET', KEYS[2], ARGV[2])
        local lastSequence = 0
        if last then lastSequence = tonumber(string.match(last, '^%d+')) end
        if ARGV[3] ~= '1' and tonumber(ARGV[4]) <= lastSequence then
          return {0, last}
        end
        local added = 0
        for i = 4, #ARGV, 3 do
          redis.call('XADD', KEYS[1], '*', '{{AuditRecord.EventField}}', ARGV[i + 1], '{{AuditRecord.HashField}}', ARGV[i + 2])
          added = added + 1
          if tonumber(ARGV[i]) > lastSequence then
            lastSequence = tonumber(ARGV[i])
            last = ARGV[i] .. ' ' .. ARGV[i + 2]
          end
        end
        redis.call('HSET', KEYS[2], ARGV[2], last)
        redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1])
        return {added, last}
        """;

    private readonly RedisKey[] _keys = [options.Stream, LastAddedKey(options.Stream)];

    /// <summary>The hash that holds, per instance, <c>SEQUENCE SP HASH</c> of the last event added to <paramref name="stream"/>.</summary>
    public static string LastAddedKey(string stream) => stream + ":last-added";

    /// <param name="evenIfNotAfterLast">Add the batch even if it does not come after the last event added under this instance's name (which is then not this process's).</param>
    /// <returns>Null when the batch was added; else the stream's last event of this instance, at or after the batch's first, and nothing was added.</returns>
    /// <exception cref="RedisException">Redis refused or lost the batch.</exception>
    /// <exception cref="TimeoutException">Redis did not confirm the batch within <c>SendTimeout</c>.</exception>
    public async Task<ChainHead?> SendAsync(IDatabaseAsync database, List<SpoolLine> lines, DateTimeOffset now, bool evenIfNotAfterLast, CancellationToken cancellationToken)
    {
        // A fresh array per batch: one that timed out may still wait in the library to be sent. Its
        // values point into the spool's read buffer, which stays right: until Redis confirms, every
        // read starts at the same checkpoint and puts the same bytes in the same place, and the
        // library sends one connection's commands in order, so the old batch is out before a newer one.
        var arguments = new RedisValue[3 + (lines.Count * 3)];
        arguments[0] = OldestKept(now);
        arguments[1] = instance;
        arguments[2] = evenIfNotAfterLast ? "1" : "0";
        for (var i = 0; i < lines.Count; i++)
        {
            arguments[3 + (3 * i)] = lines[i].Sequence;
            arguments[4 + (3 * i)] = lines[i].Json;
            arguments[5 + (3 * i)] = lines[i].Hash;
        }
        var reply = (RedisResult[])(await database.ScriptEvaluateAsync(AddAfterLastThenTrim, _keys, arguments).WaitAsync(options.SendTimeout, time, cancellationToken).ConfigureAwait(false))!;
        var added = (long)reply[0];
        if (added == 0)
        {
            return ParseLast((string?)reply[1]) ?? throw new RedisException("Redis refused a batch of audit events without naming the last one added.");
        }
        if (added != lines.Count)
        {
            throw new RedisException($"Redis added {added} of a batch of {lines.Count} audit events.");
        }
        return null;
    }

    /// <summary>
    /// Drops entries older than the retention, without regard to consumers that have not read them,
    /// as every batch does: for a gateway that has nothing to send.
    /// </summary>
    public Task TrimAsync(IDatabaseAsync database, DateTimeOffset now) =>
        database.StreamTrimByMinIdAsync(_keys[0], OldestKept(now), useApproximateMaxLength: true);

    private static ChainHead? ParseLast(string? last) =>
        last?.Split(' ') is [var sequence, var hash] && long.TryParse(sequence, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? new ChainHead(number, hash)
            : null;

    /// <summary>Never before the first possible id: a malformed id would fail the batch's script after its XADDs, and the batch would be sent again and again.</summary>
    private string OldestKept(DateTimeOffset now) =>
        $"{Math.Max(0, now.ToUnixTimeMilliseconds() - (long)options.Retention.TotalMilliseconds)}-0";
}
