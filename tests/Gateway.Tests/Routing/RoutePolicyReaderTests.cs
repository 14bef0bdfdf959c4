using Gateway.Routing;
using Gateway.Upstream;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Routing;

/// <summary>A route's metadata is read into its policy once, when YARP loads the route; every bad key or value is refused with the route named.</summary>
public sealed class RoutePolicyReaderTests
{
    private readonly RoutePolicies _policies = new(Options.Create(new UpstreamOptions { Credential = { Header = "X-Api-Key" } }));

    [Fact]
    public void Read_EveryKey_IsParsed_WhateverItsCase()
    {
        var problems = _policies.Problems("crm", new Dictionary<string, string>
        {
            ["requiremfa"] = "True",
            ["MaskNdjson"] = "true",
            ["MaskingPassThrough"] = "text/csv, application/PDF",
            ["AllowRequestHeaders"] = "Sforce-*, X-Partner-Id",
            ["AllowResponseHeaders"] = "Content-Disposition",
        }, out var policy);

        Assert.Empty(problems);
        Assert.True(policy.RequireMfa);
        Assert.True(policy.MaskNdjson);
        Assert.True(policy.PassThroughMediaTypes.SetEquals(["text/csv", "application/pdf"]));
        Assert.Equal(["Sforce-*", "X-Partner-Id"], policy.AllowRequestHeaders);
        Assert.Equal(["Content-Disposition"], policy.AllowResponseHeaders);
    }

    [Fact]
    public void Read_NoMetadata_IsTheDefaultPolicy()
    {
        Assert.Empty(_policies.Problems("crm", null, out var policy));
        Assert.Same(RoutePolicy.Default, policy);
    }

    [Fact]
    public void Read_BadValuesAndUnknownKeys_AreEachReportedWithTheRouteAndTheKey()
    {
        var problems = _policies.Problems("crm", new Dictionary<string, string>
        {
            ["RequireMfa"] = "yes",
            ["MaskNdjson"] = "maybe",
            ["MaskingPassThrough"] = "text/*, text/csv; charset=utf-8, csv",
            ["AllowRequestHeaders"] = "X-Api-Key, Bad Name",
            ["AllowResponseHeaders"] = "Set-Cookie",
            ["RequiresMfa"] = "true",
        }, out _);

        Assert.Equal(
        [
            "ReverseProxy:Routes:crm:Metadata:RequiresMfa: not a route setting of the gateway, which knows RequireMfa, MaskNdjson, MaskingPassThrough, AllowRequestHeaders, AllowResponseHeaders, Operation.",
            "ReverseProxy:Routes:crm:Metadata:RequireMfa: 'yes' is neither true nor false.",
            "ReverseProxy:Routes:crm:Metadata:MaskNdjson: 'maybe' is neither true nor false.",
            "ReverseProxy:Routes:crm:Metadata:MaskingPassThrough: 'text/*' is not a media type such as text/csv (a type and a subtype, no wildcard, no parameters).",
            "ReverseProxy:Routes:crm:Metadata:MaskingPassThrough: 'text/csv; charset=utf-8' is not a media type such as text/csv (a type and a subtype, no wildcard, no parameters).",
            "ReverseProxy:Routes:crm:Metadata:MaskingPassThrough: 'csv' is not a media type such as text/csv (a type and a subtype, no wildcard, no parameters).",
        ], problems.Take(6).Select(p => $"{p.Path}: {p.Message}"));
        Assert.Equal(
        [
            "ReverseProxy:Routes:crm:Metadata:AllowRequestHeaders",
            "ReverseProxy:Routes:crm:Metadata:AllowRequestHeaders",
            "ReverseProxy:Routes:crm:Metadata:AllowResponseHeaders",
        ], problems.Skip(6).Select(p => p.Path));
        Assert.StartsWith("'X-Api-Key' can never be let through", problems[6].Message);
        Assert.StartsWith("'Set-Cookie' can never be let through", problems[8].Message);
    }

    [Fact]
    public void Read_OneKeyInTwoCases_IsRefused()
    {
        var problems = _policies.Problems("crm", new Dictionary<string, string> { ["RequireMfa"] = "true", ["requireMFA"] = "false" }, out _);

        Assert.Equal("ReverseProxy:Routes:crm:Metadata:requireMFA", Assert.Single(problems).Path);
    }

    [Fact]
    public void Load_KeepsThePolicyWithTheRoute_AndRefusesABadRoute()
    {
        var route = new RouteConfig { RouteId = "crm", Metadata = new Dictionary<string, string> { ["RequireMfa"] = "true" } };
        var bad = new RouteConfig { RouteId = "exports", Metadata = new Dictionary<string, string> { ["MaskNdjson"] = "maybe" } };

        var loaded = _policies.Load(route);
        var refused = Assert.Throws<AggregateException>(() => _policies.Load(bad));

        Assert.Same(loaded, _policies.For(route));
        Assert.Equal("ReverseProxy:Routes:exports:Metadata:MaskNdjson: 'maybe' is neither true nor false.", Assert.Single(refused.InnerExceptions).Message);
    }
}
