using StackExchange.Redis;

namespace Gateway.Core.Audit;

/// <summary>
/// Adds spooled events to the Redis Stream (fields <c>event</c> and <c>hash</c>), a batch at a time
/// in one MULTI/EXEC, and trims the stream by age. A batch arrives whole or not at all: as plain
/// pipelined XADDs, a connection lost mid-batch let the head of a batch vanish while its tail,
/// held back by the client library until Redis was back, arrived later, and the SOC saw a gap and
/// events out of order. A batch Redis did not confirm in time may still arrive, whole, and is then
/// sent again; its events appear twice, in order, with the same event ids.
/// </summary>
internal sealed class AuditStreamSender(AuditOptions options)
{
    private readonly RedisKey _stream = options.Stream;
    private readonly Task[] _pending = new Task[options.BatchSize + 1];

    /// <exception cref="RedisException">Redis refused or lost the batch.</exception>
    /// <exception cref="TimeoutException">Redis did not confirm the batch within <c>SendTimeout</c>.</exception>
    public async Task SendAsync(IDatabase database, List<SpoolLine> lines, CancellationToken cancellationToken)
    {
        var transaction = database.CreateTransaction();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            _pending[i] = transaction.StreamAddAsync(_stream, [new NameValueEntry(AuditRecord.EventField, line.Json), new NameValueEntry(AuditRecord.HashField, line.Hash)]);
        }
        var executed = transaction.ExecuteAsync();
        _pending[lines.Count] = executed;
        await Task.WhenAll(_pending.AsSpan(0, lines.Count + 1)).WaitAsync(options.SendTimeout, cancellationToken).ConfigureAwait(false);
        if (!executed.Result)
        {
            throw new RedisException("Redis did not execute the audit batch's transaction.");
        }
    }

    /// <summary>Drops entries older than the retention, without regard to consumers that have not read them.</summary>
    public Task TrimAsync(IDatabaseAsync database, DateTimeOffset now) =>
        database.StreamTrimByMinIdAsync(_stream, $"{(now - options.Retention).ToUnixTimeMilliseconds()}-0", useApproximateMaxLength: true);
}
