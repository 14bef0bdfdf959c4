using System.Net;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Consent;

/// <summary>Every request needs one known purpose its client may use; a header is believed only from clients allowed to declare one.</summary>
public sealed class PurposeTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Theory]
    [InlineData("app-1", "marketing", null, HttpStatusCode.Forbidden, "purpose_declaration_not_allowed")]
    [InlineData("portal", "marketing", null, HttpStatusCode.OK, null)]
    [InlineData("portal", "unknown-purpose", null, HttpStatusCode.Forbidden, "purpose_unknown")]
    [InlineData("portal", "profiling", null, HttpStatusCode.Forbidden, "purpose_not_allowed")]
    [InlineData("portal", "marketing", "support", HttpStatusCode.Forbidden, "purpose_conflict")]
    [InlineData("portal", null, null, HttpStatusCode.Forbidden, "purpose_missing")]
    [InlineData("other-app", null, "marketing", HttpStatusCode.OK, null)]
    [InlineData("other-app", null, "unknown-purpose", HttpStatusCode.Forbidden, "purpose_unknown")]
    public async Task The_purpose_comes_only_from_where_it_may(string client, string? header, string? claim, HttpStatusCode expected, string? reason)
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        using var http = GatewayUnderTest.CreateClient();
        await GrantAsync(http, gateway, "c-1", "marketing");

        var response = await GetAsync(http, gateway.Url("/api/contacts"), Token(claim, client), header);

        Assert.Equal(expected, response.StatusCode);
        if (reason is not null)
        {
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
            Assert.Empty(crm.LogEntries);
        }
        else
        {
            Assert.Equal(["c-1"], await ListedIdsAsync(response));
            Assert.All(crm.LogEntries, entry => Assert.False(entry.RequestMessage.Headers?.ContainsKey("X-Purpose") ?? false));
        }
    }
}
