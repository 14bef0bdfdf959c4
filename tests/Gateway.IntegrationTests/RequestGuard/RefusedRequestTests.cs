using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.RequestGuard;

/// <summary>Every refused form is sent byte for byte over real TLS; none may reach the CRM.</summary>
public sealed class RefusedRequestTests : GatewayInFrontOfCrm
{
    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:RequestGuard:MaxRequestBodyBytes", "1024")
        .With("Gateway:RequestGuard:MaxRequestHeadersTotalBytes", "4096");

    [Theory]
    [InlineData("/api/contacts%2F..%2Fadmin", "path_encoded_slash")]
    [InlineData("/api/contacts%2f1", "path_encoded_slash")]
    [InlineData("/api/contacts%5C1", "path_encoded_backslash")]
    [InlineData("/api/contacts\\1", "path_backslash")]
    [InlineData("/api/contacts/%252F", "path_double_encoding")]
    [InlineData("/api/contacts;jsessionid=1", "path_semicolon")]
    [InlineData("/api/contacts/1%3Bx", "path_encoded_semicolon")]
    [InlineData("/api/contacts/%01", "path_encoded_control_character")]
    [InlineData("/api/contacts/1%0d%0aX-Injected:1", "path_encoded_control_character")]
    [InlineData("/api/contacts/../admin", "path_dot_segment")]
    [InlineData("/api/./contacts", "path_dot_segment")]
    [InlineData("/api/contacts/%2e%2e/admin", "path_encoded_dot")]
    [InlineData("/api//contacts", "path_empty_segment")]
    [InlineData("/api/contacts/%C0%AF", "path_invalid_utf8")]
    [InlineData("/api/contacts/%EF%BC%8Fadmin", "path_confusable_character")]
    [InlineData("/api/contacts/%zz", "path_malformed_percent_encoding")]
    [InlineData("/api/contacts/%u002F", "path_malformed_percent_encoding")]
    [InlineData("http://localhost/api/contacts", "target_not_origin_form")]
    public async Task AmbiguousPath_IsRefusedWith400BeforeRouting(string target, string reason)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Contains($"\"code\":\"{reason}\"", response.Body);
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("/api/contacts/\0")]
    [InlineData("/api/contacts/%00")]
    public async Task NulInPath_IsRefusedAndNeverForwarded(string target)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("/api/contacts/c-00001")]
    [InlineData("/api/contacts/by-email/ada%40example.com")]
    [InlineData("/api/contacts/M%C3%BCller")]
    [InlineData("/api/contacts/?filter=a%2Fb")]
    public async Task UnambiguousPath_IsForwarded(string target)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Single(Crm.LogEntries);
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("TRACK")]
    [InlineData("PROPFIND")]
    [InlineData("get")]
    public async Task DisallowedMethod_IsRefusedWith405(string method)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"{method} /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(405, response.Status);
        Assert.True(response.HasHeader("Allow", "GET"));
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task Connect_IsRefusedAndNeverTunnelled()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "CONNECT crm.example.com:443 HTTP/1.1\r\nHost: crm.example.com:443\r\n\r\n");

        Assert.InRange(response.Status, 400, 499);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task WebSocketUpgrade_IsRefused()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Contains("upgrade_not_allowed", response.Body);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task BodyOverLimit_DeclaredLength_IsRefusedWith413()
    {
        var body = new byte[2048];
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n", body);

        Assert.Equal(413, response.Status);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task BodyOverLimit_Chunked_IsRefusedWith413()
    {
        var chunk = new string('x', 1500);
        var body = System.Text.Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n{chunk}\r\n0\r\n\r\n");
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", body);

        Assert.Equal(413, response.Status);
        Assert.DoesNotContain(Crm.LogEntries, entry => (entry.RequestMessage.Body ?? string.Empty).Length > 1024);
    }

    [Fact]
    public async Task RequestLineOverLimit_IsRefusedWith414()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts/{new string('a', 9000)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(414, response.Status);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task HeadersOverLimit_AreRefusedWith431()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nX-Big: {new string('a', 6000)}\r\nConnection: close\r\n\r\n");

        Assert.Equal(431, response.Status);
        Assert.Empty(Crm.LogEntries);
    }
}

public sealed class NarrowedMethodsTests
{
    [Fact]
    public async Task AllowedMethods_Configured_ReplaceTheDefaultsRatherThanAddingToThem()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:RequestGuard:AllowedMethods:0", "GET")
            .StartAsync();

        var get = await RawHttpsClient.SendAsync(gateway.ProxyPort, "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        var delete = await RawHttpsClient.SendAsync(gateway.ProxyPort, "DELETE /api/contacts/c-1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, get.Status);
        Assert.Equal(405, delete.Status);
        Assert.True(delete.HasHeader("Allow", "GET"));
        Assert.False(delete.HasHeader("Allow", "DELETE"));
        Assert.Single(crm.LogEntries);
    }
}
