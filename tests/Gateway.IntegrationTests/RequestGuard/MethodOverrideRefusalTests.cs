using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.RequestGuard;

/// <summary>Requests that would make the CRM act on a method, or read a query, the gateway never judged: refused before anything is forwarded.</summary>
public sealed class MethodOverrideRefusalTests : GatewayInFrontOfCrm
{
    [Theory]
    [InlineData("X-HTTP-Method-Override: DELETE\r\n", "/api/contacts/c-1")]
    [InlineData("X-HTTP-Method: DELETE\r\n", "/api/contacts/c-1")]
    [InlineData("X-Method-Override: PATCH\r\n", "/api/contacts/c-1")]
    [InlineData("x-http-method-override: \r\n", "/api/contacts/c-1")]
    [InlineData("", "/api/contacts/c-1?_method=DELETE")]
    [InlineData("", "/api/contacts/c-1?a=1&_METHOD=DELETE")]
    [InlineData("", "/api/contacts/c-1?%5Fmethod=DELETE")]
    [InlineData("", "/api/contacts/c-1?_HttpMethod=PATCH")]
    [InlineData("", "/api/contacts/c-1?x=1;_method=DELETE")]
    [InlineData("", "/api/contacts/c-1?X-HTTP-Method-Override=DELETE")]
    public async Task MethodOverride_IsRefusedWith400_AndNothingReachesTheCrm(string header, string target)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"POST {target} HTTP/1.1\r\nHost: localhost\r\n{header}Content-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Contains("\"code\":\"method_override_refused\"", response.Body);
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("/api/contacts?_methods=x")]
    [InlineData("/api/contacts?q=_method")]
    [InlineData("/api/contacts?method=GET")]
    public async Task QueryThatOnlyResemblesAnOverride_IsForwarded(string target)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Single(Crm.LogEntries);
    }

    [Theory]
    [InlineData("/api/contacts?a#b")]
    [InlineData("/api/contacts?email=ada@example.com#x")]
    [InlineData("/api/contacts?#")]
    public async Task FragmentAfterTheQuery_IsRefusedLikeOneInThePath(string target)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Contains("\"code\":\"query_fragment\"", response.Body);
        Assert.Empty(Crm.LogEntries);
    }
}
