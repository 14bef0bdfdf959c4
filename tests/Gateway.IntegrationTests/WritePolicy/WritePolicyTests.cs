using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace Gateway.IntegrationTests.WritePolicy;

/// <summary>
/// Who may change what, against the real gateway and a WireMock CRM that records what reached it:
/// every refusal leaves the CRM untouched; an allowed write reaches it byte for byte. The rules are
/// <see cref="TestRules"/>: support agents write contact and unclassified fields, not national ids;
/// compliance officers write everything, national ids only with MFA; readers only read.
/// </summary>
public sealed class WritePolicyTests : GatewayInFrontOfCrm, IDisposable
{
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    public void Dispose() => _client.Dispose();

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:WritePolicy:MaxBodyBytes", "4096")
        .With("Gateway:WritePolicy:MaxDepth", "8")
        .With("ReverseProxy:Routes:other:ClusterId", "crm")
        .With("ReverseProxy:Routes:other:Match:Path", "/other/{**rest}")
        .With("ReverseProxy:Routes:search:ClusterId", "crm")
        .With("ReverseProxy:Routes:search:Match:Path", "/api/search")
        .With("ReverseProxy:Routes:search:Order", "-1")
        .With("ReverseProxy:Routes:search:Metadata:Operation", "POST=read");

    [Fact]
    public async Task AllowedWrite_ReachesTheCrmByteForByte()
    {
        const string body = "{ \"id\":\"c-1\",\n  \"email\" : \"ada@example.com\", \"em\\u0061il\":\"x\", \"phone\":\"1\" }";

        var response = await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(body), Crm.LogEntries.Single().RequestMessage.BodyAsBytes);
    }

    [Theory]
    [InlineData("""{"email":"ada@example.com","ssn":"123-45-6789"}""", "$.ssn")]
    [InlineData("""{"\u0073sn":"123-45-6789"}""", "$.ssn")]
    [InlineData("""{"email":"a","email":"b","profile":{"ssn":"123-45-6789"}}""", "$.profile.ssn")]
    [InlineData("""[{"email":"a"},{"ssn":"123-45-6789"}]""", "$[1].ssn")]
    public async Task FieldOfAClassTheRoleMayNotWrite_Is403NamingPathAndClass_AndNeverReachesTheCrm(string body, string path)
    {
        var response = await SendAsync(HttpMethod.Post, "/api/contacts", body);

        var problem = await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "field_not_writable");
        Assert.Contains(path, problem);
        Assert.Contains("national_id", problem);
        Assert.DoesNotContain("123-45-6789", problem);
    }

    [Fact]
    public async Task HighSensitivityClass_NeedsMfaToWrite()
    {
        const string body = """{"ssn":"123-45-6789"}""";
        var withoutMfa = TestIdentityProvider.Shared.Mint(spec => spec.Claims["roles"] = new[] { "crm-compliance" });
        var withMfa = TestIdentityProvider.Shared.Mint(spec =>
        {
            spec.Claims["roles"] = new[] { "crm-compliance" };
            spec.Claims["amr"] = new[] { "pwd", "mfa" };
        });

        await AssertRefusedAsync(await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", body, token: withoutMfa), HttpStatusCode.Forbidden, "mfa_required_for_write");
        var allowed = await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", body, token: withMfa);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(Crm.LogEntries);
    }

    [Theory]
    [InlineData("POST", "create")]
    [InlineData("PUT", "update")]
    [InlineData("DELETE", "delete")]
    public async Task OperationTheRoleLacks_Is403NamingRoleEntityAndOperation(string method, string operation)
    {
        var reader = TestIdentityProvider.Shared.Mint(spec => spec.Claims["roles"] = new[] { "crm.read" });

        var response = await SendAsync(new HttpMethod(method), "/api/contacts/c-1", method == "DELETE" ? null : """{"email":"a"}""", token: reader);

        var problem = await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "operation_not_allowed");
        Assert.Contains("'reader'", problem);
        Assert.Contains("'contacts'", problem);
        Assert.Contains(operation, problem);
    }

    [Fact]
    public async Task ReadTheRoleMayPerform_IsNotJudgedAsAWrite()
    {
        var reader = TestIdentityProvider.Shared.Mint(spec => spec.Claims["roles"] = new[] { "crm.read" });

        var response = await SendAsync(HttpMethod.Get, "/api/contacts", null, token: reader);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PostTheRouteDeclaresARead_IsAllowedToAReader()
    {
        var reader = TestIdentityProvider.Shared.Mint(spec => spec.Claims["roles"] = new[] { "crm.read" });

        var response = await SendAsync(HttpMethod.Post, "/api/search", """{"query":"ssn = 1"}""", token: reader);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(Crm.LogEntries);
    }

    [Fact]
    public async Task WriteToARouteNoEntityCovers_IsRefused()
    {
        var response = await SendAsync(HttpMethod.Post, "/other/things", """{"a":1}""");

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "route_not_covered_for_write");
    }

    [Fact]
    public async Task DeleteOfARecord_TheRoleMayDelete_IsForwarded()
    {
        var response = await SendAsync(HttpMethod.Delete, "/api/contacts/c-1", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(Crm.LogEntries);
    }

    public static TheoryData<string, byte[], string?, string> Unjudgeable => new()
    {
        { "text/plain", """{"email":"a"}"""u8.ToArray(), null, "content_type" },
        { "application/x-www-form-urlencoded", "email=a&_method=DELETE"u8.ToArray(), null, "content_type" },
        { "application/json; charset=utf-16", Encoding.Unicode.GetBytes("""{"email":"a"}"""), null, "content_type" },
        { "application/json", Encoding.Unicode.GetBytes("""{"email":"a"}"""), null, "malformed_json" },
        { "application/json", [0xEF, 0xBB, 0xBF, .. """{"email":"a"}"""u8], null, "malformed_json" },
        { "application/json", [.. """{"email":"a"""u8, 0xC3, 0x28, .. "\"}"u8], null, "malformed_json" },
        { "application/json", """{"email":"a"} {"ssn":"1"}"""u8.ToArray(), null, "malformed_json" },
        { "application/json", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 20)) + "1" + new string('}', 20)), null, "too_deep" },
        { "application/json", Gzip("""{"ssn":"1"}"""), "gzip", "compressed" },
        { "application/json", """[{"op":"replace","path":"/ssn","value":"1"}]"""u8.ToArray(), null, "patch_as_json" },
        { "application/json-patch+json", """{"op":"replace","path":"/email","value":"a"}"""u8.ToArray(), null, "malformed_patch" },
    };

    [Theory]
    [MemberData(nameof(Unjudgeable))]
    public async Task BodyTheGatewayCannotJudge_IsRefused_NeverForwarded(string contentType, byte[] body, string? encoding, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, Gateway.Url("/api/contacts/c-1")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (encoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(encoding);
        }

        await AssertRefusedAsync(await _client.SendAsync(request), HttpStatusCode.Forbidden, "write_body_not_judgeable", reason);
    }

    [Fact]
    public async Task BodyWithoutContentType_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.Url("/api/contacts")) { Content = new ByteArrayContent("""{"email":"a"}"""u8.ToArray()) };

        await AssertRefusedAsync(await _client.SendAsync(request), HttpStatusCode.Forbidden, "write_body_not_judgeable", "content_type");
    }

    [Fact]
    public async Task BodyOverTheWriteLimit_Is413()
    {
        var body = $$"""{"email":"{{new string('a', 5000)}}"}""";

        await AssertRefusedAsync(await SendAsync(HttpMethod.Post, "/api/contacts", body), HttpStatusCode.RequestEntityTooLarge, "write_body_not_judgeable", "too_large");
    }

    [Fact]
    public async Task JsonPatchAndMergePatch_AreJudgedByWhatTheyWrite()
    {
        await AssertRefusedAsync(await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", """[{"op":"remove","path":"/profile/ssn"}]""", "application/json-patch+json"),
            HttpStatusCode.Forbidden, "field_not_writable");
        await AssertRefusedAsync(await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", """{"ssn":null}""", "application/merge-patch+json"),
            HttpStatusCode.Forbidden, "field_not_writable");
        var allowed = await SendAsync(HttpMethod.Patch, "/api/contacts/c-1", """[{"op":"add","path":"/phones/-","value":{"number":"1"}},{"op":"test","path":"/email","value":"a"}]""", "application/json-patch+json");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(Crm.LogEntries);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string contentType = "application/json", string? token = null)
    {
        using var request = new HttpRequestMessage(method, Gateway.Url(path));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await _client.SendAsync(request);
    }

    /// <returns>The problem's detail.</returns>
    private async Task<string> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? reason = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        if (reason is not null)
        {
            Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
        }
        Assert.Empty(Crm.LogEntries);
        return problem.RootElement.GetProperty("detail").GetString()!;
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return output.ToArray();
    }
}
