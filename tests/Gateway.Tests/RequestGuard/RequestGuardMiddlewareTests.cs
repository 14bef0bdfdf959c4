using System.Diagnostics.Metrics;
using Gateway.Pipeline;
using Gateway.RequestGuard;
using Gateway.Telemetry;
using Gateway.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.RequestGuard;

public sealed class RequestGuardMiddlewareTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private bool _nextCalled;

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Invoke_CleanHttpsGet_CallsNext()
    {
        var context = Context("GET", "/api/contacts");

        await Guard().InvokeAsync(context);

        Assert.True(_nextCalled);
        Assert.Null(context.Features.Get<IGatewayRequestFeature>()?.DenialReason);
    }

    [Fact]
    public async Task Invoke_Trace_Refuses405WithAllowAndRecordsReason()
    {
        var context = Context("TRACE", "/api/contacts");

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(405, context.Response.StatusCode);
        Assert.Equal("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", context.Response.Headers.Allow.ToString());
        var feature = context.Features.Get<IGatewayRequestFeature>()!;
        Assert.Equal("request_guard", feature.DeniedBy);
        Assert.Equal("method_not_allowed", feature.DenialReason);
        Assert.Equal("application/problem+json", context.Response.ContentType);
    }

    [Fact]
    public async Task Invoke_PlainHttpScheme_Refuses403()
    {
        var context = Context("GET", "/api/contacts");
        context.Request.Scheme = "http";

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("insecure_scheme", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Fact]
    public async Task Invoke_RawTargetWithEncodedSlash_Refuses400EvenIfDecodedPathLooksClean()
    {
        var context = Context("GET", "/api/contacts%2F..%2Fadmin");
        context.Request.Path = "/api/contacts";

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("path_encoded_slash", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Fact]
    public async Task Invoke_DeclaredBodyOverLimit_Refuses413()
    {
        var context = Context("POST", "/api/contacts");
        context.Request.ContentLength = 1025;

        await Guard(maxBody: 1024).InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(413, context.Response.StatusCode);
    }

    [Fact]
    public async Task Invoke_BodyAtLimit_CallsNext()
    {
        var context = Context("POST", "/api/contacts");
        context.Request.ContentLength = 1024;

        await Guard(maxBody: 1024).InvokeAsync(context);

        Assert.True(_nextCalled);
    }

    [Fact]
    public async Task Invoke_UpgradeRequest_Refuses400()
    {
        var context = Context("GET", "/api/contacts");
        context.Features.Set<IHttpUpgradeFeature>(new UpgradableRequest());

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal("upgrade_not_allowed", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("gateway.example.com.evil.example.com")]
    [InlineData("")]
    public async Task Invoke_HostNotAllowed_Refuses421(string host)
    {
        var context = Context("GET", "/api/contacts");
        context.Request.Host = new HostString(host);

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(421, context.Response.StatusCode);
        Assert.Equal("host_not_allowed", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Theory]
    [InlineData("X-HTTP-Method-Override")]
    [InlineData("X-HTTP-Method")]
    [InlineData("X-Method-Override")]
    public async Task Invoke_MethodOverrideHeader_Refuses400(string header)
    {
        var context = Context("POST", "/api/contacts/c-1");
        context.Request.Headers[header] = "DELETE";

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("method_override_refused", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Fact]
    public async Task Invoke_MethodOverrideQueryParameter_Refuses400()
    {
        var context = Context("POST", "/api/contacts/c-1?_method=DELETE");

        await Guard().InvokeAsync(context);

        Assert.False(_nextCalled);
        Assert.Equal("method_override_refused", context.Features.Get<IGatewayRequestFeature>()!.DenialReason);
    }

    [Fact]
    public async Task Invoke_Refusal_IsCountedByStageAndReason()
    {
        var measurements = new List<(long Value, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Name == "gateway.requests.refused")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            measurements.Add((value, tags.ToArray().Single(t => t.Key == "reason").Value as string)));
        listener.Start();

        await Guard().InvokeAsync(Context("TRACE", "/api/contacts"));

        Assert.Equal((1L, "method_not_allowed"), measurements.Single());
    }

    private RequestGuardMiddleware Guard(long maxBody = 1024 * 1024)
    {
        var options = Options.Create(new RequestGuardOptions { MaxRequestBodyBytes = maxBody });
        return new RequestGuardMiddleware(
            _ => { _nextCalled = true; return Task.CompletedTask; },
            options,
            new AllowedHosts(["gateway.example.com"], () => throw new InvalidOperationException("Configured names replace the certificate's.")),
            new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()),
            NullLogger<RequestGuardMiddleware>.Instance);
    }

    private static DefaultHttpContext Context(string method, string rawTarget)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("gateway.example.com:8443");
        context.Request.Path = rawTarget.Split('?')[0];
        context.Request.QueryString = rawTarget.Contains('?') ? new QueryString(rawTarget[rawTarget.IndexOf('?')..]) : QueryString.Empty;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private sealed class UpgradableRequest : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => true;

        public Task<Stream> UpgradeAsync() => throw new InvalidOperationException("The guard must never upgrade.");
    }
}
