using System.Net;
using Duende.IdentityModel.Client;
using Gateway.Upstream;

namespace Gateway.Tests.Upstream;

public sealed class TokenResponseReaderTests
{
    private static readonly DateTimeOffset RequestedAt = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Read_BearerTokenWithLifetime_ExpiresThenAndRefreshesTenPercentEarlier()
    {
        var outcome = await ReadAsync(HttpStatusCode.OK, """{"access_token":"00Dxx!AQ.abc","token_type":"Bearer","expires_in":3600}""");

        var token = Assert.IsType<AccessToken>(outcome.Token);
        Assert.Equal("Bearer 00Dxx!AQ.abc", token.Authorization.HeaderValue);
        Assert.Equal(RequestedAt.AddHours(1), token.ExpiresAt);
        Assert.Equal(RequestedAt.AddHours(1).AddMinutes(-6), token.RefreshAt);
    }

    [Theory]
    [InlineData(60, 30)]   // at least 30 s before expiry...
    [InlineData(40, 20)]   // ...but never earlier than half the lifetime
    public async Task Read_ShortLifetime_RefreshMarginIsAtLeastThirtySecondsAndAtMostHalf(int lifetime, int margin)
    {
        var outcome = await ReadAsync(HttpStatusCode.OK, $$"""{"access_token":"t","expires_in":{{lifetime}}}""");

        Assert.Equal(TimeSpan.FromSeconds(margin), outcome.Token!.ExpiresAt - outcome.Token.RefreshAt);
    }

    [Fact]
    public async Task Read_ExpiresInAsDigits_IsAcceptedAsEntraV1SendsIt()
    {
        var outcome = await ReadAsync(HttpStatusCode.OK, """{"access_token":"t","token_type":"bearer","expires_in":"3599"}""");

        Assert.Equal(RequestedAt.AddSeconds(3599), outcome.Token!.ExpiresAt);
    }

    [Fact]
    public async Task Read_NoExpiresIn_AssumesTheConfiguredLifetime()
    {
        var outcome = await ReadAsync(HttpStatusCode.OK, """{"access_token":"t","instance_url":"https://acme.my.salesforce.com"}""");

        Assert.Equal(RequestedAt.AddMinutes(20), outcome.Token!.ExpiresAt);
        Assert.Null(outcome.Token.InstanceUrl);
    }

    [Theory]
    [InlineData("not json at all", "the response is not JSON")]
    [InlineData("", "the response is not JSON")]
    [InlineData("""["t"]""", "not a JSON object")]
    [InlineData("""{"token_type":"Bearer"}""", "no access_token string")]
    [InlineData("""{"access_token":42}""", "no access_token string")]
    [InlineData("""{"access_token":""}""", "access_token is empty")]
    [InlineData("""{"access_token":"a b"}""", "not visible ASCII")]
    [InlineData("""{"access_token":"t","token_type":"mac"}""", "token_type is not Bearer")]
    [InlineData("""{"access_token":"t","expires_in":"an hour"}""", "expires_in is not a positive whole number")]
    [InlineData("""{"access_token":"t","expires_in":0}""", "expires_in is not a positive whole number")]
    [InlineData("""{"access_token":"t","expires_in":-60}""", "expires_in is not a positive whole number")]
    [InlineData("""{"access_token":"t","expires_in":1.5}""", "expires_in is not a positive whole number")]
    [InlineData("""{"access_token":"t","expires_in":"-60"}""", "expires_in is not a positive whole number")]
    public async Task Read_MalformedSuccess_IsInvalidWithASafeReason(string body, string reason)
    {
        var outcome = await ReadAsync(HttpStatusCode.OK, body);

        Assert.Null(outcome.Token);
        Assert.Equal(UpstreamCredentialException.TokenInvalid, outcome.Failure!.Code);
        Assert.Contains(reason, outcome.Failure.Class, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"invalid_client","error_description":"secret s3cr3t-value is wrong"}""", "HTTP 400, error invalid_client")]
    [InlineData(HttpStatusCode.Unauthorized, """{"error":"invalid_grant"}""", "HTTP 401, error invalid_grant")]
    [InlineData(HttpStatusCode.InternalServerError, "<html>down</html>", "HTTP 500")]
    [InlineData(HttpStatusCode.Found, "", "HTTP 302")]
    [InlineData(HttpStatusCode.BadRequest, """{"error":"bad thing; s3cr3t-value"}""", "HTTP 400")]
    [InlineData(HttpStatusCode.OK, """{"error":"temporarily_unavailable","access_token":"t"}""", "HTTP 200, error temporarily_unavailable")]
    public async Task Read_ErrorAnswer_IsEndpointFailureNamingStatusAndCodeOnly(HttpStatusCode status, string body, string failureClass)
    {
        var outcome = await ReadAsync(status, body);

        Assert.Equal(UpstreamCredentialException.TokenEndpointFailed, outcome.Failure!.Code);
        Assert.Equal(failureClass, outcome.Failure.Class);
        Assert.DoesNotContain("s3cr3t", outcome.Failure.Class, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_InstanceUrl_AllowedHostBecomesTheAddress_OtherHostIsInvalid()
    {
        var options = Options();
        options.UseInstanceUrl = true;
        options.InstanceUrlHosts.Add("*.my.salesforce.com");

        var allowed = await ReadAsync(HttpStatusCode.OK, """{"access_token":"t","instance_url":"https://acme.my.salesforce.com"}""", options);
        var elsewhere = await ReadAsync(HttpStatusCode.OK, """{"access_token":"t","instance_url":"https://attacker.example"}""", options);
        var missing = await ReadAsync(HttpStatusCode.OK, """{"access_token":"t"}""", options);

        Assert.Equal(new Uri("https://acme.my.salesforce.com"), allowed.Token!.InstanceUrl);
        Assert.Equal("instance_url refused: host 'attacker.example' (port 443) is not in Gateway:Upstream:Credential:InstanceUrlHosts", elsewhere.Failure!.Class);
        Assert.Equal(UpstreamCredentialException.TokenInvalid, missing.Failure!.Code);
    }

    [Fact]
    public void Read_NoAnswer_IsEndpointFailureNamingTheTransportProblem()
    {
        var response = ProtocolResponse.FromException<TokenResponse>(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));

        var outcome = TokenResponseReader.Read(response, Options(), allowInsecure: false, RequestedAt);

        Assert.Equal(UpstreamCredentialException.TokenEndpointFailed, outcome.Failure!.Code);
        Assert.Equal("the token endpoint refused or dropped the connection", outcome.Failure.Class);
    }

    private static UpstreamCredentialOptions Options() => new() { Kind = CredentialKinds.ClientCredentials, AssumedLifetime = TimeSpan.FromMinutes(20) };

    private static async Task<TokenOutcome> ReadAsync(HttpStatusCode status, string body, UpstreamCredentialOptions? options = null)
    {
        var http = new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var response = await ProtocolResponse.FromHttpResponseAsync<TokenResponse>(http);
        return TokenResponseReader.Read(response, options ?? Options(), allowInsecure: false, RequestedAt);
    }
}
