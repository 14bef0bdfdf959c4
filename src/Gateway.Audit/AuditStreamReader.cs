using StackExchange.Redis;

namespace Gateway.Audit;

/// <summary>Reads the audit stream in order, a page at a time, as gatewayctl's audit commands do.</summary>
public static class AuditStreamReader
{
    private const int PageSize = 1000;

    /// <summary>Entries from <paramref name="from"/> (inclusive; "-" for the start) to the end, page by page.</summary>
    public static async IAsyncEnumerable<StreamEntry> ReadAsync(IDatabaseAsync database, string stream, string from)
    {
        var next = (RedisValue)from;
        while (true)
        {
            var page = await database.StreamRangeAsync(stream, next, "+", PageSize);
            foreach (var entry in page)
            {
                yield return entry;
            }
            if (page.Length < PageSize)
            {
                yield break;
            }
            next = $"({page[^1].Id}";
        }
    }
}
