using Gateway.RequestGuard;

namespace Gateway.Tests.RequestGuard;

public sealed class RequestTargetInspectorTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/api/contacts")]
    [InlineData("/api/contacts/")]
    [InlineData("/api/contacts/c-00001")]
    [InlineData("/api/contacts?page=2&q=a%2Fb%25c;d")]
    [InlineData("/api/contacts?q=a%23b")]
    [InlineData("/api/contacts/by-email/ada%40example.com")]
    [InlineData("/api/contacts/Ada%20Lovelace")]
    [InlineData("/api/contacts/M%C3%BCller")]
    [InlineData("/api/contacts/%E6%9D%B1%E4%BA%AC")]
    [InlineData("/services/data/v59.0/query")]
    [InlineData("/api/contacts/file.json")]
    [InlineData("/api/contacts/...")]
    public void Inspect_UnambiguousTarget_ReturnsNull(string target)
    {
        Assert.Null(RequestTargetInspector.Inspect(target));
    }

    [Theory]
    [InlineData("", "target_not_origin_form")]
    [InlineData("*", "target_not_origin_form")]
    [InlineData("https://crm.example.com/api", "target_not_origin_form")]
    [InlineData("crm.example.com:443", "target_not_origin_form")]
    [InlineData("/api%2Fcontacts", "path_encoded_slash")]
    [InlineData("/api%2fcontacts", "path_encoded_slash")]
    [InlineData("/api%5Ccontacts", "path_encoded_backslash")]
    [InlineData("/api\\contacts", "path_backslash")]
    [InlineData("/api/%252F", "path_double_encoding")]
    [InlineData("/api/%25", "path_double_encoding")]
    [InlineData("/api;a=b", "path_semicolon")]
    [InlineData("/api/%3B", "path_encoded_semicolon")]
    [InlineData("/api/%3b", "path_encoded_semicolon")]
    [InlineData("/api/\u0000", "path_control_character")]
    [InlineData("/api/\t", "path_control_character")]
    [InlineData("/api/\u007f", "path_control_character")]
    [InlineData("/api/%00", "path_encoded_control_character")]
    [InlineData("/api/%0A", "path_encoded_control_character")]
    [InlineData("/api/%7F", "path_encoded_control_character")]
    [InlineData("/api/#frag", "path_fragment")]
    [InlineData("/api#frag?a=b", "path_fragment")]
    [InlineData("/api?a#b", "query_fragment")]
    [InlineData("/api?#", "query_fragment")]
    [InlineData("/api?a=1&b=2#", "query_fragment")]
    [InlineData("/api/caf\u00e9", "path_unencoded_non_ascii")]
    [InlineData("/api/%2e%2e/admin", "path_encoded_dot")]
    [InlineData("/api/%2E", "path_encoded_dot")]
    [InlineData("/api/../admin", "path_dot_segment")]
    [InlineData("/api/..", "path_dot_segment")]
    [InlineData("/api/./x", "path_dot_segment")]
    [InlineData("/..", "path_dot_segment")]
    [InlineData("//api", "path_empty_segment")]
    [InlineData("/api//x", "path_empty_segment")]
    [InlineData("/api/%", "path_malformed_percent_encoding")]
    [InlineData("/api/%2", "path_malformed_percent_encoding")]
    [InlineData("/api/%G1", "path_malformed_percent_encoding")]
    [InlineData("/api/%u2215", "path_malformed_percent_encoding")]
    [InlineData("/api/%C0%AF", "path_invalid_utf8")]
    [InlineData("/api/%E0%80%AF", "path_invalid_utf8")]
    [InlineData("/api/%ED%A0%80", "path_invalid_utf8")]
    [InlineData("/api/%C3", "path_invalid_utf8")]
    [InlineData("/api/%FF", "path_invalid_utf8")]
    [InlineData("/api/%EF%BC%8F", "path_confusable_character")]
    [InlineData("/api/%EF%BC%BC", "path_confusable_character")]
    [InlineData("/api/%EF%BC%8E%EF%BC%8E", "path_confusable_character")]
    [InlineData("/api/%E2%88%95", "path_confusable_character")]
    public void Inspect_AmbiguousTarget_ReturnsReason(string target, string reason)
    {
        Assert.Equal(reason, RequestTargetInspector.Inspect(target));
    }

    [Fact]
    public void Inspect_LongEncodedPath_IsCheckedBeyondTheStackBuffer()
    {
        var target = "/api/" + string.Concat(Enumerable.Repeat("%C3%BC", 200)) + "%C0%AF";

        Assert.Equal("path_invalid_utf8", RequestTargetInspector.Inspect(target));
    }
}
