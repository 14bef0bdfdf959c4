using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Routing;
using Gateway.Telemetry;
using Gateway.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Tests.Masking;

/// <summary>The response transform of masked routes, on the response YARP has copied the CRM's headers onto.</summary>
public sealed class MaskedResponseHeadersTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<(long Value, string? Direction)> _dropped = [];
    private readonly MeterListener _listener = new();

    public MaskedResponseHeadersTests()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: test classes run in parallel, each with a GatewayMetrics of its own.
            if (instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>() && instrument.Name == "gateway.headers.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            _dropped.Add((value, tags.ToArray().Single(t => t.Key == "direction").Value as string)));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task MaskedResponse_KeepsListedHeaders_DropsAndRecordsTheRest()
    {
        var (context, response) = CopiedResponse(masked: true);

        await ApplyResponse(Transforms(), context, response);

        var headers = context.Response.Headers;
        Assert.Equal("no-store", headers.CacheControl.ToString());
        Assert.Equal("api-usage=1/100", headers["Sforce-Limit-Info"].ToString());
        Assert.Equal("application/json", headers.ContentType.ToString());
        Assert.Equal("max-age=31536000", headers.StrictTransportSecurity.ToString());
        Assert.False(headers.ContainsKey("X-Crm-Debug"));
        Assert.False(headers.ContainsKey("Set-Cookie"));
        Assert.False(headers.ContainsKey("Trailer"));
        Assert.Equal(["set-cookie", "trailer", "x-crm-debug"], context.Features.Get<IGatewayRequestFeature>()!.DroppedResponseHeaders);
        Assert.Equal((3L, "response"), Assert.Single(_dropped));
    }

    [Fact]
    public async Task RouteMetadata_AddsNames()
    {
        var (context, response) = CopiedResponse(masked: true);

        await ApplyResponse(Transforms(new Dictionary<string, string> { ["AllowResponseHeaders"] = "X-Crm-*" }), context, response);

        Assert.True(context.Response.Headers.ContainsKey("X-Crm-Debug"));
        Assert.Equal(["set-cookie", "trailer"], context.Features.Get<IGatewayRequestFeature>()!.DroppedResponseHeaders);
    }

    [Fact]
    public async Task UnmaskedResponse_IsLeftAlone()
    {
        var (context, response) = CopiedResponse(masked: false);

        await ApplyResponse(Transforms(), context, response);

        Assert.True(context.Response.Headers.ContainsKey("X-Crm-Debug"));
        Assert.True(context.Response.Headers.ContainsKey("Set-Cookie"));
        Assert.Empty(_dropped);
    }

    [Fact]
    public async Task ConfiguredList_ReplacesTheDefaults()
    {
        var (context, response) = CopiedResponse(masked: true);
        var options = new MaskingOptions();
        options.ResponseHeaders.Allow.Add("Content-Type");

        await ApplyResponse(Transforms(options: options), context, response);

        Assert.False(context.Response.Headers.ContainsKey("Cache-Control"));
        Assert.Contains("cache-control", context.Features.Get<IGatewayRequestFeature>()!.DroppedResponseHeaders);
    }

    [Fact]
    public async Task MaskedResponse_Trailers_AreAllDroppedAndRecorded()
    {
        var (context, response) = CopiedResponse(masked: true);
        response.TrailingHeaders.TryAddWithoutValidation("X-Crm-Checksum", "ssn=195-33-7518");
        var trailers = new HeaderDictionary { ["X-Crm-Checksum"] = "ssn=195-33-7518" };
        context.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature(trailers));
        var transforms = Transforms();

        await transforms.ResponseTrailersTransforms.Single().ApplyAsync(new ResponseTrailersTransformContext { HttpContext = context, ProxyResponse = response, HeadersCopied = true });

        Assert.Empty(trailers);
        Assert.Equal(["x-crm-checksum"], context.Features.Get<IGatewayRequestFeature>()!.DroppedResponseTrailers);
        Assert.Equal((1L, "trailer"), Assert.Single(_dropped));
    }

    [Fact]
    public void ValidateRoute_BadMetadata_IsAnErrorNamingTheRoute()
    {
        var route = new RouteConfig { RouteId = "contacts", Metadata = new Dictionary<string, string> { ["AllowResponseHeaders"] = "Set-Cookie, *" } };

        // A route's list is checked with the rest of its policy when YARP loads the route.
        var errors = Assert.Throws<AggregateException>(() => new RoutePolicyConfigFilter(Policies()).ConfigureRouteAsync(route, null, CancellationToken.None)).InnerExceptions;

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("ReverseProxy:Routes:contacts:Metadata:AllowResponseHeaders: 'Set-Cookie' can never be let through", errors[0].Message);
    }

    [Fact]
    public void Check_GlobalListAndRouteMetadata_ReportsEachPath()
    {
        var options = new MaskingOptions();
        options.ResponseHeaders.Allow.AddRange(["Content-Type", "Trailer"]);
        var routeMetadata = new Dictionary<string, string> { ["AllowResponseHeaders"] = "Content-Disposition, Set-Cookie2" };

        // The global list is the masking settings' to check, a route's list its policy's.
        var problems = ResponseHeaderPolicy.Check(options).Concat(Policies().Problems("exports", routeMetadata, out _)).Select(p => p.Path).ToList();

        Assert.Equal(["Gateway:Masking:ResponseHeaders:Allow[1]", "ReverseProxy:Routes:exports:Metadata:AllowResponseHeaders"], problems);
    }

    private MaskedResponseHeaders Provider(MaskingOptions? options = null) =>
        new(Options.Create(options ?? new MaskingOptions()), Policies(), new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));

    private static RoutePolicies Policies() => new(Options.Create(new UpstreamOptions()));

    private TransformBuilderContext Transforms(IReadOnlyDictionary<string, string>? metadata = null, MaskingOptions? options = null)
    {
        var context = new TransformBuilderContext { Services = _services, Route = new RouteConfig { RouteId = "r", Metadata = metadata } };
        Provider(options).Apply(context);
        return context;
    }

    private static Task ApplyResponse(TransformBuilderContext transforms, HttpContext context, HttpResponseMessage response) =>
        transforms.ResponseTransforms.Single().ApplyAsync(new ResponseTransformContext { HttpContext = context, ProxyResponse = response, HeadersCopied = true }).AsTask();

    /// <summary>A CRM response, and a client response holding what YARP copied from it beside the gateway's own HSTS.</summary>
    private (HttpContext Context, HttpResponseMessage Response) CopiedResponse(bool masked)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) };
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        response.Headers.TryAddWithoutValidation("Cache-Control", "no-store");
        response.Headers.TryAddWithoutValidation("Sforce-Limit-Info", "api-usage=1/100");
        response.Headers.TryAddWithoutValidation("X-Crm-Debug", "SSN__c=195-33-7518");
        response.Headers.TryAddWithoutValidation("Set-Cookie", "BrowserId=q7Zx");
        response.Headers.TryAddWithoutValidation("Trailer", "X-Crm-Checksum");
        response.Headers.TryAddWithoutValidation("Strict-Transport-Security", "max-age=0");
        response.Headers.TryAddWithoutValidation("Connection", "close");
        var context = new DefaultHttpContext();
        context.Response.Headers.StrictTransportSecurity = "max-age=31536000";
        foreach (var header in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            if (header.Key is not ("Strict-Transport-Security" or "Connection"))
            {
                context.Response.Headers[header.Key] = header.Value.ToString();
            }
        }
        if (masked)
        {
            var rules = Gateway.Masking.Rules.RulesCompiler.Compile(MaskingRules, hashKey: null);
            GatewayRequestFeature.GetOrCreate(context).MaskedResponse = new MaskedResponse(
                context, new JsonMasker(new MaskingLimits()), rules, rules.Entities[0], rules.ViewFor(new HashSet<string>(), mfaUsed: false), gate: null, quota: null, RoutePolicy.Default,
                new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        }
        return (context, response);
    }

    private const string MaskingRules = """
        version: 1
        classes:
          contact: { sensitivity: medium }
        entities:
          contacts:
            routes: ["/api/{**rest}"]
            records: ["$.data[*]"]
            fields:
              "$.email": contact
        roles: {}
        default: redact
        """;

    private sealed class TrailersFeature(IHeaderDictionary trailers) : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = trailers;
    }
}
