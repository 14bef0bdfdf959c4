using System.IO.Compression;
using System.Net;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Gateway.IntegrationTests.Masking;

/// <summary>Through the real proxy: whatever the CRM sends, the secret never reaches the client unmasked.</summary>
public sealed class ProxyMaskingTests : GatewayInFrontOfCrm, IDisposable
{
    private const string Secret = "195-33-7518";
    private static readonly string Record = $$"""{"data":[{"id":"c-9","email":"grace.hopper@example.com","ssn":"{{Secret}}"}]}""";
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly RawUpstream _shortOfItsLength = RawUpstream.CutShort(Record, chunked: false);
    private readonly RawUpstream _shortOfItsLastChunk = RawUpstream.CutShort(Record, chunked: true);

    public void Dispose()
    {
        _client.Dispose();
        _shortOfItsLength.Dispose();
        _shortOfItsLastChunk.Dispose();
    }

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("ReverseProxy:Routes:other:ClusterId", "crm")
        .With("ReverseProxy:Routes:other:Match:Path", "/other/{**rest}")
        .With("ReverseProxy:Routes:crm:Order", "10")
        .With("ReverseProxy:Routes:exports:ClusterId", "crm")
        .With("ReverseProxy:Routes:exports:Match:Path", "/api/exports/{**rest}")
        .With("ReverseProxy:Routes:exports:Metadata:MaskingPassThrough", "text/csv, application/pdf, application/x-ndjson")
        .With("ReverseProxy:Routes:stream:ClusterId", "crm")
        .With("ReverseProxy:Routes:stream:Match:Path", "/api/stream/{**rest}")
        .With("ReverseProxy:Routes:stream:Metadata:MaskNdjson", "true")
        .With("ReverseProxy:Routes:short:ClusterId", "short")
        .With("ReverseProxy:Routes:short:Match:Path", "/api/short/{**rest}")
        .With("ReverseProxy:Clusters:short:Destinations:primary:Address", _shortOfItsLength.Url)
        .With("ReverseProxy:Routes:unterminated:ClusterId", "unterminated")
        .With("ReverseProxy:Routes:unterminated:Match:Path", "/api/unterminated/{**rest}")
        .With("ReverseProxy:Clusters:unterminated:Destinations:primary:Address", _shortOfItsLastChunk.Url);

    [Fact]
    public async Task Ndjson_OnARouteThatDeclaresIt_IsMaskedLineByLine()
    {
        Crm.Given(Request.Create().WithPath("/api/stream/contacts"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-ndjson")
                .WithBody($$"""{"data":[{"id":"c-1","ssn":"{{Secret}}"}]}""" + "\n\n" + $$"""{"data":[{"id":"c-2","email":"ada@example.com"}]}""" + "\n"));

        var response = await _client.GetAsync(Gateway.Url("/api/stream/contacts"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"data":[{"id":"c-1","ssn":"[REDACTED]"}]}""" + "\n" + """{"data":[{"id":"c-2","email":"***********.com"}]}""" + "\n", body);
    }

    [Fact]
    public async Task Ndjson_DeclaredAsPassThrough_IsStillNotPassedUnmasked()
    {
        Crm.Given(Request.Create().WithPath("/api/exports/contacts.ndjson"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-ndjson")
                .WithBody($$"""{"data":[{"ssn":"{{Secret}}"}]}""" + "\n"));

        var response = await _client.GetAsync(Gateway.Url("/api/exports/contacts.ndjson"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(Secret, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeclaredPassThroughType_PassesOnThatRouteOnly()
    {
        Crm.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/api/*.csv")))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/csv").WithBody("id,city\nc-1,Lakeside\n"));

        var declared = await _client.GetAsync(Gateway.Url("/api/exports/contacts.csv"));
        var undeclared = await _client.GetAsync(Gateway.Url("/api/contacts.csv"));

        Assert.Equal(HttpStatusCode.OK, declared.StatusCode);
        Assert.Equal("id,city\nc-1,Lakeside\n", await declared.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadGateway, undeclared.StatusCode);
    }

    [Theory]
    [InlineData("{\"ssn\":\"195-33-7518\"}")]
    [InlineData("  \r\n [{\"ssn\":\"195-33-7518\"}]")]
    [InlineData("\uFEFF{\"ssn\":\"195-33-7518\"}")]
    public async Task JsonLabelledAsAPassThroughType_IsRefused(string body)
    {
        Crm.Given(Request.Create().WithPath("/api/exports/mislabelled.csv"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/csv").WithBody(body));

        var (status, text) = await TryGetAsync("/api/exports/mislabelled.csv");

        Assert.Equal(502, status);
        Assert.Contains("content_type_mismatch", text);
        Assert.DoesNotContain(Secret, text);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Utf16JsonLabelledAsAPassThroughType_IsRefused(bool littleEndianWithMark)
    {
        var json = $$"""{"ssn":"{{Secret}}"}""";
        byte[] body = littleEndianWithMark ? [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(json)] : Encoding.BigEndianUnicode.GetBytes(json);
        Crm.Given(Request.Create().WithPath("/api/exports/utf16.csv"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/csv").WithBody(body));

        var (status, text) = await TryGetAsync("/api/exports/utf16.csv");

        Assert.Equal(502, status);
        Assert.Contains("content_type_mismatch", text);
    }

    [Fact]
    public async Task PassThroughBody_WithAByteOrderMark_PassesWhole()
    {
        var csv = "\uFEFFid,city\nc-1,Lakeside\n";
        Crm.Given(Request.Create().WithPath("/api/exports/bom.csv"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/csv").WithBody(Encoding.UTF8.GetBytes(csv)));

        var response = await _client.GetAsync(Gateway.Url("/api/exports/bom.csv"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(csv), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task JsonOnAPassThroughRoute_IsStillMasked()
    {
        Serve("/api/exports/contacts.json", Record);

        var body = await _client.GetStringAsync(Gateway.Url("/api/exports/contacts.json"));

        Assert.DoesNotContain(Secret, body);
    }

    [Fact]
    public async Task DeclaredEmptyBody_PassesWhateverItsType()
    {
        Crm.Given(Request.Create().WithPath("/api/accepted"))
            .RespondWith(Response.Create().WithStatusCode(202).WithHeader("Content-Length", "0"));

        var response = await _client.PostAsync(Gateway.Url("/api/accepted"), new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PlainJson_IsMaskedPerRole_AndAskedForUncompressedWholeBody()
    {
        Serve("/api/masked", Record);
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/masked"));
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-10");

        var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"data":[{"id":"c-9","email":"********************.com","ssn":"[REDACTED]"}]}""", body);
        Assert.Equal("identity", Crm.ReceivedHeader("Accept-Encoding"));
        Assert.Null(Crm.ReceivedHeader("Range"));
        Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("x-gzip")]
    [InlineData("GZIP")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task CompressedAnyway_IsDecodedThenMasked(string encoding)
    {
        Crm.Given(Request.Create().WithPath($"/api/{encoding}"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithHeader("Content-Encoding", encoding).WithBody(Compress(Encoding.UTF8.GetBytes(Record), encoding)));

        var response = await _client.GetAsync(Gateway.Url($"/api/{encoding}"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ssn\":\"[REDACTED]\"", body);
        Assert.DoesNotContain(Secret, body);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Theory]
    [InlineData("text/csv", "id,ssn\nc-9,195-33-7518\n")]
    [InlineData("text/html", "<p>195-33-7518</p>")]
    [InlineData("application/xml", "<ssn>195-33-7518</ssn>")]
    [InlineData("text/plain", "{\"ssn\":\"195-33-7518\"}")]
    [InlineData("application/x-ndjson", "{\"ssn\":\"195-33-7518\"}\n")]
    [InlineData("application/json; charset=utf-16", "{\"ssn\":\"195-33-7518\"}")]
    public async Task NonJsonContentType_IsBlockedWith502(string contentType, string body)
    {
        Crm.Given(Request.Create().WithPath("/api/typed"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", contentType).WithBody(body));

        var response = await _client.GetAsync(Gateway.Url("/api/typed"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("content_type_not_masked", text);
        Assert.DoesNotContain(Secret, text);
    }

    [Fact]
    public async Task PartialContent_IsBlockedWith502()
    {
        Crm.Given(Request.Create().WithPath("/api/partial"))
            .RespondWith(Response.Create().WithStatusCode(206).WithHeader("Content-Type", "application/json")
                .WithHeader("Content-Range", "bytes 0-20/100").WithBody("{\"ssn\":\"195-33-7518\""));

        var response = await _client.GetAsync(Gateway.Url("/api/partial"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("partial_content_not_masked", text);
        Assert.DoesNotContain(Secret, text);
    }

    [Theory]
    [InlineData("gzip", "this is not gzip 195-33-7518")]
    [InlineData("compress", "whatever 195-33-7518")]
    [InlineData("gzip, br", "layered 195-33-7518")]
    public async Task BadlyEncodedBody_NeverLeaks(string encoding, string body)
    {
        Crm.Given(Request.Create().WithPath("/api/encoded"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithHeader("Content-Encoding", encoding).WithBody(body));

        var (status, text) = await TryGetAsync("/api/encoded");

        Assert.NotEqual(200, status);
        Assert.DoesNotContain(Secret, text);
    }

    [Theory]
    [InlineData("{\"data\":[{\"ssn\":\"195-33-7518\"")]
    [InlineData("id,ssn\nc-9,195-33-7518")]
    [InlineData("")]
    [InlineData("{\"data\":[{\"ssn\":\"195-33-7518\"}]}{\"ssn\":\"195-33-7518\"}")]
    public async Task UnmaskableJsonBody_NeverLeaks(string body)
    {
        Serve("/api/broken", body);

        var (status, text) = await TryGetAsync("/api/broken");

        Assert.NotEqual(200, status);
        Assert.DoesNotContain(Secret, text);
    }

    [Fact]
    public async Task UpstreamBreaksMidBody_NeverLeaksAndNeverLooksComplete()
    {
        Crm.Given(Request.Create().WithPath("/api/reset"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(Record).WithFault(WireMock.ResponseBuilders.FaultType.MALFORMED_RESPONSE_CHUNK));

        var (status, text) = await TryGetAsync("/api/reset");

        Assert.DoesNotContain(Secret, text);
        Assert.False(status == 200 && text.EndsWith("]}", StringComparison.Ordinal), text);
    }

    [Theory]
    [InlineData("/api/short/contacts")]
    [InlineData("/api/unterminated/contacts")]
    public async Task SmallBody_CutShortAfterWholeJson_IsNeverSentAsComplete(string path)
    {
        // The JSON that arrives is whole; only the missing bytes or closing chunk show that the body is not.
        var (status, text) = await TryGetAsync(path);

        Assert.Equal(502, status);
        Assert.DoesNotContain(Secret, text);
        Assert.DoesNotContain("c-9", text);
    }

    [Fact]
    public async Task UncoveredRoute_IsBlockedBeforeTheCrmIsAsked()
    {
        var response = await _client.GetAsync(Gateway.Url("/other/thing"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("route_not_covered", await response.Content.ReadAsStringAsync());
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task ErrorBodiesFromTheCrm_AreMaskedToo()
    {
        Crm.Given(Request.Create().WithPath("/api/error"))
            .RespondWith(Response.Create().WithStatusCode(409).WithHeader("Content-Type", "application/problem+json")
                .WithBody($$"""{"data":[{"ssn":"{{Secret}}"}],"detail":"duplicate"}"""));

        var response = await _client.GetAsync(Gateway.Url("/api/error"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.DoesNotContain(Secret, text);
        Assert.Contains("duplicate", text);
    }

    [Fact]
    public async Task SmallBody_IsSentWhole_WithTheMaskedBodysLength()
    {
        Serve("/api/small", Record);

        var response = await _client.GetAsync(Gateway.Url("/api/small"));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.True(response.Content.Headers.NonValidated.TryGetValues("Content-Length", out var length));
        Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(length));
        Assert.NotEqual(Encoding.UTF8.GetByteCount(Record), bytes.Length);
        Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task SmallBody_ThatBreaksAfterMaskedOutput_GetsACleanBadGateway_NotAnAbortedConnection()
    {
        var many = string.Join(',', Enumerable.Range(0, 200).Select(i => $$"""{"id":"c-{{i}}","ssn":"{{Secret}}"}"""));
        Serve("/api/small-broken", $$"""{"data":[{{many}}]}""" + "]");

        var (status, text) = await TryGetAsync("/api/small-broken");

        Assert.Equal(502, status);
        Assert.DoesNotContain(Secret, text);
        Assert.DoesNotContain("c-1", text);
    }

    [Fact]
    public async Task LargeList_IsStreamedAndMaskedCompletely()
    {
        var records = string.Join(',', Enumerable.Range(0, 20_000).Select(i => $$"""{"id":"c-{{i}}","email":"person{{i}}@example.com","ssn":"{{Secret}}"}"""));
        Serve("/api/large", $$"""{"data":[{{records}}]}""");

        var response = await _client.GetAsync(Gateway.Url("/api/large"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Secret, text);
        using var document = System.Text.Json.JsonDocument.Parse(text);
        Assert.Equal(20_000, document.RootElement.GetProperty("data").GetArrayLength());
        // HttpContent computes ContentLength from a buffered body; what matters is that the CRM's header was not passed on.
        Assert.False(response.Content.Headers.NonValidated.Contains("Content-Length"));
    }

    private void Serve(string path, string body) =>
        Crm.Given(Request.Create().WithPath(path))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(body));

    /// <summary>Status and whatever text arrived; a connection the gateway aborted counts as status 0.</summary>
    private async Task<(int Status, string Text)> TryGetAsync(string path)
    {
        try
        {
            var response = await _client.GetAsync(Gateway.Url(path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.ToString());
        }
    }

    private static byte[] Compress(byte[] data, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" or "x-gzip" or "GZIP" => new GZipStream(output, CompressionLevel.Fastest),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest),
            _ => new BrotliStream(output, CompressionLevel.Fastest),
        })
        {
            compressor.Write(data);
        }
        return output.ToArray();
    }
}
