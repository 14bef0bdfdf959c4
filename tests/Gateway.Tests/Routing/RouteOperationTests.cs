using Gateway.Masking.Rules;
using Gateway.Routing;
using Gateway.Upstream;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Routing;

/// <summary>A route's <c>Operation</c> metadata: what a request does to records where the method alone would say otherwise.</summary>
public sealed class RouteOperationTests
{
    private readonly RoutePolicies _policies = new(Options.Create(new UpstreamOptions()));

    [Fact]
    public void NoOperation_TheMethodDecides()
    {
        Assert.Empty(_policies.Problems("crm", new Dictionary<string, string> { ["RequireMfa"] = "false" }, out var policy));

        Assert.Equal(RecordOperation.Read, policy.OperationFor("GET"));
        Assert.Equal(RecordOperation.Create, policy.OperationFor("POST"));
        Assert.Equal(RecordOperation.Update, policy.OperationFor("PATCH"));
        Assert.Equal(RecordOperation.Update, policy.OperationFor("PUT"));
        Assert.Equal(RecordOperation.Delete, policy.OperationFor("DELETE"));
    }

    [Fact]
    public void OneOperation_AppliesToEveryMethod()
    {
        Assert.Empty(_policies.Problems("query", new Dictionary<string, string> { ["operation"] = "read" }, out var policy));

        Assert.Equal(RecordOperation.Read, policy.OperationFor("POST"));
        Assert.Equal(RecordOperation.Read, policy.OperationFor("DELETE"));
    }

    [Fact]
    public void PerMethod_OnlyTheNamedMethodsChange()
    {
        Assert.Empty(_policies.Problems("composite", new Dictionary<string, string> { ["Operation"] = "POST=read, patch=create" }, out var policy));

        Assert.Equal(RecordOperation.Read, policy.OperationFor("POST"));
        Assert.Equal(RecordOperation.Create, policy.OperationFor("PATCH"));
        Assert.Equal(RecordOperation.Delete, policy.OperationFor("DELETE"));
    }

    [Theory]
    [InlineData("query", "'query' is not an operation")]
    [InlineData("POST=query", "'query' is not an operation")]
    [InlineData("TRACE=read", "'TRACE' is not a method")]
    [InlineData("POST=read, POST=create", "'POST' is given an operation more than once")]
    [InlineData("read, POST=create", "not both")]
    public void BadOperation_IsRefusedNamingTheRoute(string value, string message)
    {
        var problems = _policies.Problems("search", new Dictionary<string, string> { ["Operation"] = value }, out _);

        var problem = Assert.Single(problems);
        Assert.Equal("ReverseProxy:Routes:search:Metadata:Operation", problem.Path);
        Assert.Contains(message, problem.Message);
    }
}
