using StackExchange.Redis;

namespace Gateway.Core.Audit;

/// <summary>
/// Adds spooled events to the Redis Stream as pipelined XADDs (fields <c>event</c> and <c>hash</c>),
/// and trims the stream by age. A batch either all arrives or is sent again from the spool;
/// entries of a half-sent batch then appear twice, with the same event id.
/// </summary>
internal sealed class AuditStreamSender(AuditOptions options)
{
    private readonly RedisKey _stream = options.Stream;
    private readonly Task[] _pending = new Task[options.BatchSize];

    /// <exception cref="RedisException">Redis refused or lost the batch.</exception>
    /// <exception cref="TimeoutException">Redis did not confirm the batch within <c>SendTimeout</c>.</exception>
    public async Task SendAsync(IDatabaseAsync database, List<SpoolLine> lines, CancellationToken cancellationToken)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            _pending[i] = database.StreamAddAsync(_stream, [new NameValueEntry(AuditRecord.EventField, line.Json), new NameValueEntry(AuditRecord.HashField, line.Hash)]);
        }
        await Task.WhenAll(_pending.AsSpan(0, lines.Count)).WaitAsync(options.SendTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops entries older than the retention, without regard to consumers that have not read them.</summary>
    public Task TrimAsync(IDatabaseAsync database, DateTimeOffset now) =>
        database.StreamTrimByMinIdAsync(_stream, $"{(now - options.Retention).ToUnixTimeMilliseconds()}-0", useApproximateMaxLength: true);
}
