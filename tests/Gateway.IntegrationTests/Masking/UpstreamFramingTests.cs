using System.IO.Compression;
using System.Net;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Masking;

/// <summary>
/// CRM responses whose framing contradicts itself or the status. On a masked route the body is
/// either read by the masker or refused; no framing header ever decides that there is nothing to
/// mask. Each case gets a CRM that sends exactly those bytes.
/// </summary>
public sealed class UpstreamFramingTests
{
    private const string Secret = "195-33-7518";
    private static readonly byte[] Record = Encoding.UTF8.GetBytes($$"""{"data":[{"id":"c-9","email":"grace.hopper@example.com","ssn":"{{Secret}}"}]}""");

    public static TheoryData<string, string, byte[]> AmbiguousFraming() => new()
    {
        { "Content-Length 0 before chunked", "HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 0\nTransfer-Encoding: chunked", Chunked(Record) },
        { "chunked before Content-Length 0", "HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked\nContent-Length: 0", Chunked(Record) },
        { "Content-Length 0 with chunked, gzip", "HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Encoding: gzip\nContent-Length: 0\nTransfer-Encoding: chunked", Chunked(Gzip(Record)) },
        { "the body's own length with chunked", $"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: {Record.Length}\nTransfer-Encoding: chunked", Chunked(Record) },
        { "Content-Length 0 with CHUNKED in capitals", "HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 0\nTransfer-Encoding: CHUNKED", Chunked(Record) },
        { "Content-Length 0 with chunked on a 201", "HTTP/1.1 201 Created\nContent-Type: application/json\nContent-Length: 0\nTransfer-Encoding: chunked", Chunked(Record) },
        { "Content-Length 0 with chunked on an error", "HTTP/1.1 409 Conflict\nContent-Type: application/problem+json\nContent-Length: 0\nTransfer-Encoding: chunked", Chunked(Record) },
        { "two equal Content-Length headers", $"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: {Record.Length}\nContent-Length: {Record.Length}", Record },
        { "two lengths in one header", $"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: {Record.Length}, {Record.Length}", Record },
        { "204 with a Content-Length and a body", $"HTTP/1.1 204 No Content\nContent-Type: application/json\nContent-Length: {Record.Length}", Record },
        { "204 with a chunked body", "HTTP/1.1 204 No Content\nContent-Type: application/json\nTransfer-Encoding: chunked", Chunked(Record) },
        { "304 with a chunked body", "HTTP/1.1 304 Not Modified\nContent-Type: application/json\nTransfer-Encoding: chunked", Chunked(Record) },
    };

    [Theory]
    [MemberData(nameof(AmbiguousFraming))]
    public async Task AmbiguousFraming_IsRefusedWithItsCode_AndNeverLeaks(string name, string head, byte[] body)
    {
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            var (status, text) = await ThroughGatewayAsync(head, body, version);

            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"{name} over HTTP/{version}: {text}");
            Assert.True(status == 502, $"{name} over HTTP/{version}: {status} {text}");
            // Framing the HTTP client itself cannot parse fails there, before the masking stage sees a response.
            Assert.True(text.Contains("upstream_framing_invalid", StringComparison.Ordinal) || text.Contains("upstream_response_invalid", StringComparison.Ordinal), $"{name}: {text}");
        }
    }

    public static TheoryData<string, string, byte[]> UnusualButUnambiguousFraming() => new()
    {
        { "chunked alone", "HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked", Chunked(Record) },
        { "delimited by the connection closing", "HTTP/1.1 200 OK\nContent-Type: application/json\nConnection: close", Record },
        { "HTTP/1.0, delimited by the connection closing", "HTTP/1.0 200 OK\nContent-Type: application/json", Record },
        { "Content-Length 0 then bytes anyway", "HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 0\nConnection: close", Record },
    };

    [Theory]
    [MemberData(nameof(UnusualButUnambiguousFraming))]
    public async Task UnambiguousFraming_IsReadByTheMasker(string name, string head, byte[] body)
    {
        var (status, text) = await ThroughGatewayAsync(head, body, HttpVersion.Version11);

        Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"{name}: {text}");
        Assert.True(status is 200 or 502, $"{name}: {status} {text}");
    }

    [Fact]
    public async Task ChunkedBody_WithoutAContentLength_IsMasked()
    {
        var (status, text) = await ThroughGatewayAsync("HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked", Chunked(Record), HttpVersion.Version11);

        Assert.Equal(200, status);
        Assert.Contains("\"ssn\":\"[REDACTED]\"", text);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task DeclaredEmptyBody_ThatIsEmpty_Passes(string contentType)
    {
        var (status, text) = await ThroughGatewayAsync($"HTTP/1.1 200 OK\nContent-Type: {contentType}\nContent-Length: 0", [], HttpVersion.Version11);

        Assert.Equal(200, status);
        Assert.Equal(string.Empty, text);
    }

    [Fact]
    public async Task BodyOfAnUnmaskableType_WithoutADeclaredLength_IsRefused()
    {
        var (status, text) = await ThroughGatewayAsync("HTTP/1.1 200 OK\nTransfer-Encoding: chunked", Chunked(Record), HttpVersion.Version11);

        Assert.Equal(502, status);
        Assert.Contains("content_type_not_masked", text);
        Assert.DoesNotContain(Secret, text);
    }

    private static async Task<(int Status, string Text)> ThroughGatewayAsync(string head, byte[] body, Version version)
    {
        using var crm = new RawUpstream(head, body);
        await using var gateway = await GatewayUnderTest.For(crm.Url).StartAsync();
        using var client = GatewayUnderTest.CreateClient(version);
        try
        {
            var response = await client.GetAsync(gateway.Url("/api/contacts"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException ex)
        {
            // An aborted connection: whatever arrived before it is in the exception's chain at most.
            return (0, ex.ToString());
        }
    }

    private static byte[] Chunked(byte[] data) => [.. RawUpstream.Chunk(data), .. RawUpstream.LastChunk];

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }
}
