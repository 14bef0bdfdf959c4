using StackExchange.Redis;

namespace Gateway.Core.Audit;

/// <summary>
/// Adds spooled events to the Redis Stream (fields <c>event</c> and <c>hash</c>), a batch at a time
/// in one script that XADDs them all and then trims the stream by age. A batch arrives whole or not at
/// all: as plain pipelined XADDs, a connection lost mid-batch let the head of a batch vanish while
/// its tail, held back by the client library until Redis was back, arrived later, and the SOC saw a
/// gap and events out of order. A batch Redis did not confirm in time may still arrive, whole, and
/// is then sent again; its events appear twice, in order, with the same event ids.
/// </summary>
internal sealed class AuditStreamSender(AuditOptions options)
{
    /// <summary>
    /// One command with every event as arguments: Redis runs a script without interleaving, and
    /// writes its XADDs to the AOF as one MULTI/EXEC. A MULTI/EXEC sent by the client would do the
    /// same, but StackExchange.Redis wraps each queued command and its reply: 1 KB more per event.
    /// The trim (ARGV[1] is the oldest entry id kept) comes with every batch. An approximate XTRIM
    /// removes at most 10 000 entries (100 times <c>stream-node-max-entries</c>), so a trim once a
    /// minute let a gateway serving more than about 170 requests/s outgrow its retention for good.
    /// Trimmed as events are added, a stream at its retention reuses the memory of the ones it drops;
    /// a growing one takes fresh memory for every event (page faults): twice Redis's CPU per event.
    /// </summary>
    private static readonly string AddAllThenTrim = $"""
        for i = 2, #ARGV, 2 do
          redis.call('XADD', KEYS[1], '*', '{AuditRecord.EventField}', ARGV[i], '{AuditRecord.HashField}', ARGV[i + 1])
        end
        redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1])
        return (#ARGV - 1) / 2
        """;

    private readonly RedisKey[] _stream = [options.Stream];

    /// <exception cref="RedisException">Redis refused or lost the batch.</exception>
    /// <exception cref="TimeoutException">Redis did not confirm the batch within <c>SendTimeout</c>.</exception>
    public async Task SendAsync(IDatabaseAsync database, List<SpoolLine> lines, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A fresh array per batch: one that timed out may still wait in the library to be sent. Its
        // values point into the spool's read buffer, which stays right: until Redis confirms, every
        // read starts at the same checkpoint and puts the same bytes in the same place, and the
        // library sends one connection's commands in order, so the old batch is out before a newer one.
        var arguments = new RedisValue[1 + (lines.Count * 2)];
        arguments[0] = OldestKept(now);
        for (var i = 0; i < lines.Count; i++)
        {
            arguments[1 + (2 * i)] = lines[i].Json;
            arguments[2 + (2 * i)] = lines[i].Hash;
        }
        var added = await database.ScriptEvaluateAsync(AddAllThenTrim, _stream, arguments).WaitAsync(options.SendTimeout, cancellationToken).ConfigureAwait(false);
        if ((long)added != lines.Count)
        {
            throw new RedisException($"Redis added {added} of a batch of {lines.Count} audit events.");
        }
    }

    /// <summary>
    /// Drops entries older than the retention, without regard to consumers that have not read them,
    /// as every batch does: for a gateway that has nothing to send.
    /// </summary>
    public Task TrimAsync(IDatabaseAsync database, DateTimeOffset now) =>
        database.StreamTrimByMinIdAsync(_stream[0], OldestKept(now), useApproximateMaxLength: true);

    /// <summary>Never before the first possible id: a malformed id would fail the batch's script after its XADDs, and the batch would be sent again and again.</summary>
    private string OldestKept(DateTimeOffset now) =>
        $"{Math.Max(0, now.ToUnixTimeMilliseconds() - (long)options.Retention.TotalMilliseconds)}-0";
}
