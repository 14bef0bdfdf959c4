using Gateway.Masking.Rules;

namespace Gateway.Masking.Tests.Rules;

public sealed class RoutePatternTests
{
    [Theory]
    [InlineData("/api/contacts", "/api/contacts", true)]
    [InlineData("/api/contacts", "/api/contacts/", true)]
    [InlineData("/api/contacts", "/API/Contacts", true)]
    [InlineData("/api/contacts", "/api/contact", false)]
    [InlineData("/api/contacts", "/api/contacts/c-1", false)]
    [InlineData("/api/contacts", "/api", false)]
    [InlineData("/api/contacts/{id}", "/api/contacts/c-1", true)]
    [InlineData("/api/contacts/{id}", "/api/contacts/", false)]
    [InlineData("/api/contacts/{id}", "/api/contacts//", false)]
    [InlineData("/api/contacts/{id}", "/api/contacts/c-1/notes", false)]
    [InlineData("/services/data/*/query", "/services/data/v59.0/query", true)]
    [InlineData("/services/data/*/query", "/services/data//query", false)]
    [InlineData("/services/data/*/query", "/services/data/v59.0/search", false)]
    [InlineData("/crm/{**rest}", "/crm", true)]
    [InlineData("/crm/{**rest}", "/crm/a/b/c", true)]
    [InlineData("/crm/**", "/CRM/a", true)]
    [InlineData("/crm/**", "/other/a", false)]
    [InlineData("/crm/**", "/", false)]
    [InlineData("/", "/", true)]
    [InlineData("/", "", true)]
    [InlineData("/", "/api", false)]
    [InlineData("/**", "/", true)]
    [InlineData("/**", "/api/contacts", true)]
    public void A_path_matches_segment_by_segment_ignoring_case_and_outer_slashes(string route, string path, bool matches)
    {
        var pattern = RoutePattern.Parse(route, out var error);

        Assert.Null(error);
        Assert.Equal(matches, pattern!.Matches(path));
    }

    [Theory]
    [InlineData("api/contacts")]
    [InlineData("//")]
    [InlineData("/api//contacts")]
    [InlineData("/api/**/contacts")]
    public void A_malformed_route_is_refused_with_a_reason(string route)
    {
        Assert.Null(RoutePattern.Parse(route, out var error));
        Assert.NotNull(error);
    }
}
