using System.Diagnostics.Metrics;
using Gateway.Routing;
using Gateway.Telemetry;
using Gateway.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Tests.Upstream;

public sealed class UpstreamHeaderTransformsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
    }

    [Fact]
    public async Task FirstTransform_RemovesUnlistedRequestAndContentHeaders_AndCountsWhatWasTheClients()
    {
        var dropped = new List<(long Value, object? Direction)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: test classes run in parallel, each with a GatewayMetrics of its own.
            if (instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>() && instrument.Name == "gateway.headers.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => dropped.Add((value, tags.ToArray().Single(t => t.Key == "direction").Value)));
        listener.Start();
        var transforms = Transforms(new Dictionary<string, string> { ["AllowRequestHeaders"] = "Sforce-*" });
        using var proxyRequest = new HttpRequestMessage(HttpMethod.Post, "https://crm.example.com/") { Content = new ByteArrayContent([]) };
        proxyRequest.Headers.TryAddWithoutValidation("Accept", "application/json");
        proxyRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer client-token");
        proxyRequest.Headers.TryAddWithoutValidation("Cookie", "sid=1");
        proxyRequest.Headers.TryAddWithoutValidation("X-Original-URL", "/admin");
        proxyRequest.Headers.TryAddWithoutValidation("Sforce-Auto-Assign", "false");
        proxyRequest.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        proxyRequest.Content.Headers.TryAddWithoutValidation("Content-Length", "0");
        proxyRequest.Content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment");

        await transforms.RequestTransforms[0].ApplyAsync(new RequestTransformContext { HttpContext = new DefaultHttpContext(), ProxyRequest = proxyRequest, HeadersCopied = true });

        Assert.Equal(["Accept", "Sforce-Auto-Assign"], proxyRequest.Headers.NonValidated.Select(h => h.Key));
        Assert.Equal(["Content-Type", "Content-Length"], proxyRequest.Content.Headers.NonValidated.Select(h => h.Key));
        Assert.False(transforms.UseDefaultForwarders);
        Assert.Equal((3L, (object?)"request"), Assert.Single(dropped));
    }

    [Fact]
    public void ValidateRoute_BadMetadataAndForwardingTransforms_AreErrorsNamingTheRoute()
    {
        var route = new RouteConfig
        {
            RouteId = "contacts",
            Metadata = new Dictionary<string, string> { ["AllowRequestHeaders"] = "Cookie, X-Partner-Id" },
            Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Set" }, new Dictionary<string, string> { ["Forwarded"] = "by,for,host,proto" }],
        };
        var context = new TransformRouteValidationContext { Services = _services, Route = route };

        // The metadata is checked with the rest of the route's policy when YARP loads the route, the transforms by this provider.
        var metadataErrors = Assert.Throws<AggregateException>(() => new RoutePolicyConfigFilter(Policies()).ConfigureRouteAsync(route, null, CancellationToken.None)).InnerExceptions;
        Provider().ValidateRoute(context);
        var errors = metadataErrors.Concat(context.Errors).ToList();

        Assert.Equal(3, errors.Count);
        Assert.StartsWith("ReverseProxy:Routes:contacts:Metadata:AllowRequestHeaders: 'Cookie' can never be let through", errors[0].Message);
        Assert.StartsWith("ReverseProxy:Routes:contacts:Transforms: X-Forwarded:", errors[1].Message);
    }

    private IOptions<UpstreamOptions> UpstreamSettings() => Options.Create(new UpstreamOptions());

    private RoutePolicies Policies() => new(UpstreamSettings());

    private UpstreamHeaderTransforms Provider()
    {
        return new UpstreamHeaderTransforms(UpstreamSettings(), Policies(), new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));
    }

    private TransformBuilderContext Transforms(IReadOnlyDictionary<string, string>? metadata = null)
    {
        var context = new TransformBuilderContext { Services = _services, Route = new RouteConfig { RouteId = "r", Metadata = metadata } };
        Provider().Apply(context);
        return context;
    }
}
