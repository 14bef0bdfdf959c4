using Gateway.Core.Rules;

namespace Gateway.Core.Tests.Rules;

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
    public void A_path_matches_segment_by_segment_ignoring_case_and_outer_slashes(string route, string path, bool matches)
    {
        var pattern = RoutePattern.Parse(route, out var error);

        Assert.Null(error);
        Assert.Equal(matches, pattern!.Matches(path));
    }
}
