using System.Buffers;
using System.Text;
using Gateway.Audit;
using StackExchange.Redis;

namespace Gateway.Detector;

/// <summary>
/// Adds events of a process that is not a gateway (the detector, gatewayctl) to the audit stream
/// under an instance name of its own, chained like a gateway's events so that
/// <c>gatewayctl audit verify</c> covers them. The chain's head is the stream's own record of the
/// instance's last event (<c>STREAM:last-added</c>, as the gateway keeps it): one script adds the
/// event only if that head is still the one the event was chained to, so two writers under one
/// name never fork the chain, and nothing is kept on local disk.
/// </summary>
public sealed class ChainedAuditWriter(IConnectionMultiplexer redis, string stream, AuditKeys keys, string instance)
{
    private const string AddIfHead = $$"""
        local last = redis.call('HGET', KEYS[2], ARGV[1]) or ''
        if last ~= ARGV[2] then
          return {0, last}
        end
        redis.call('XADD', KEYS[1], '*', '{{AuditRecord.EventField}}', ARGV[4], '{{AuditRecord.HashField}}', ARGV[5])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        return {1, ARGV[3]}
        """;

    private readonly RedisKey[] _keys = [stream, stream + ":last-added"];
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public string Instance { get; } = instance;

    /// <summary>Chains and adds <paramref name="auditEvent"/>; retries when another writer under the same name moved the head.</summary>
    /// <exception cref="RedisException">Redis refused it, or the head kept moving.</exception>
    public async Task AddAsync(AuditEvent auditEvent)
    {
        await _oneAtATime.WaitAsync();
        try
        {
            var database = redis.GetDatabase();
            var head = (string?)await database.HashGetAsync(_keys[1], Instance) ?? "";
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var chainHead = Parse(head);
                auditEvent.Sequence = chainHead.Sequence + 1;
                var line = new ArrayBufferWriter<byte>(2048);
                new AuditChain(keys, Instance, chainHead).Append(auditEvent, line);
                var (hash, json) = Split(line.WrittenSpan);
                var newHead = $"{auditEvent.Sequence} {hash}";
                var reply = (RedisResult[])(await database.ScriptEvaluateAsync(AddIfHead, _keys, [Instance, head, newHead, json, hash]))!;
                if ((long)reply[0] == 1)
                {
                    return;
                }
                head = (string?)reply[1] ?? "";
            }
            throw new RedisException($"The audit chain of instance '{Instance}' kept moving; the event was not added.");
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private static ChainHead Parse(string head) =>
        head.Split(' ') is [var sequence, var hash] && long.TryParse(sequence, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? new ChainHead(number, hash)
            : ChainHead.Genesis;

    /// <summary>A spool line is <c>HASH SP SEQUENCE SP JSON LF</c>.</summary>
    private static (string Hash, byte[] Json) Split(ReadOnlySpan<byte> line)
    {
        var first = line.IndexOf((byte)' ');
        var second = first + 1 + line[(first + 1)..].IndexOf((byte)' ');
        return (Encoding.ASCII.GetString(line[..first]), line[(second + 1)..^1].ToArray());
    }
}
