using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Audit.Tests;

public sealed class DroppedHeadersEventTests
{
    [Fact]
    public void DroppedNames_AreWrittenUnderUnmapped()
    {
        var request = AuditTestEvents.Request();
        var dropped = new ApiActivityEvent(request.Time)
        {
            Method = request.Method,
            Path = request.Path,
            StatusCode = 200,
            DroppedResponseHeaders = ["set-cookie", "x-crm-debug"],
            DroppedResponseTrailers = ["x-crm-checksum"],
        };

        var headers = Unmapped(dropped).GetProperty("headers_dropped");

        Assert.Equal(["set-cookie", "x-crm-debug"], headers.GetProperty("response").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(["x-crm-checksum"], headers.GetProperty("trailers").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public void NothingDropped_WritesNoHeadersDropped()
    {
        Assert.False(Unmapped(AuditTestEvents.Request()).TryGetProperty("headers_dropped", out _));
    }

    [Fact]
    public void OnlyTrailersDropped_WritesOnlyTrailers()
    {
        var request = AuditTestEvents.Request();
        var dropped = new ApiActivityEvent(request.Time) { Method = "GET", Path = "/api", StatusCode = 200, DroppedResponseTrailers = ["x-a"] };

        var headers = Unmapped(dropped).GetProperty("headers_dropped");

        Assert.False(headers.TryGetProperty("response", out _));
        Assert.Single(headers.GetProperty("trailers").EnumerateArray());
    }

    private static JsonElement Unmapped(ApiActivityEvent auditEvent)
    {
        var lines = new ArrayBufferWriter<byte>();
        new AuditChain(AuditTestEvents.Keys, "gw-test", ChainHead.Genesis).Append(AuditTestEvents.Numbered(auditEvent, 1), lines);
        var (_, json) = AuditTestEvents.Parse(Encoding.UTF8.GetString(lines.WrittenSpan).TrimEnd('\n'));
        return JsonDocument.Parse(json).RootElement.GetProperty("unmapped").Clone();
    }
}
