using Gateway.Audit;
using Gateway.Consent;
using Gateway.Identity;
using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Purpose;
using Gateway.Quota;
using Gateway.RequestGuard;
using Gateway.Transport;
using Gateway.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Pipeline;

/// <summary>
/// Each stage's <c>Use…</c> checks, as the pipeline is built, that its <c>Add…</c> was called and
/// that the stages it relies on come before it; one switched off by settings adds nothing but
/// still counts as in the pipeline.
/// </summary>
public sealed class StagePrerequisitesTests : IDisposable
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Gateway:Identity:Enabled"] = "false",
        ["Gateway:Masking:Enabled"] = "false",
    };

    private readonly ServiceCollection _services = new();
    private ServiceProvider? _provider;

    public void Dispose() => _provider?.Dispose();

    [Fact]
    public void UseGatewayAudit_WithoutAddGatewayAudit_ThrowsNamingIt()
    {
        var app = Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseGatewayAudit());

        Assert.Contains("services.AddGatewayAudit()", error.Message);
    }

    [Fact]
    public void UseGatewayAudit_BeforeUseGatewayTransport_Throws()
    {
        var app = Build(services => services.AddGatewayAudit(Configuration()));

        var error = Assert.Throws<InvalidOperationException>(() => app.UseGatewayAudit());

        Assert.StartsWith("UseGatewayAudit() needs UseGatewayTransport() before it", error.Message);
    }

    [Fact]
    public void UseRequestGuard_AfterUseRouting_Throws()
    {
        var app = Build(services => services.AddRequestGuard().AddGatewayTransport());
        app.MarkUsed(nameof(AuditRegistration.UseGatewayAudit));
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseRequestGuard());

        Assert.StartsWith("UseRequestGuard() must come before UseRouting()", error.Message);
    }

    [Fact]
    public void UseRequestGuard_BeforeUseGatewayAudit_Throws()
    {
        var app = Build(services => services.AddRequestGuard().AddGatewayTransport());

        var error = Assert.Throws<InvalidOperationException>(() => app.UseRequestGuard());

        Assert.StartsWith("UseRequestGuard() needs UseGatewayAudit() before it", error.Message);
    }

    [Fact]
    public void UseGatewayIdentity_WithoutUseRouting_Throws()
    {
        var app = Build(services => services.AddGatewayIdentity(Configuration()));

        var error = Assert.Throws<InvalidOperationException>(() => app.UseGatewayIdentity());

        Assert.StartsWith("UseGatewayIdentity() needs UseRouting() before it", error.Message);
    }

    [Fact]
    public void UseGatewayPurpose_BeforeUseGatewayIdentity_Throws()
    {
        var app = Build(services => services.AddGatewayPurpose(Configuration()));
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseGatewayPurpose());

        Assert.StartsWith("UseGatewayPurpose() needs UseGatewayIdentity() before it", error.Message);
    }

    [Fact]
    public void UseQuota_WithoutAddQuota_ThrowsNamingIt()
    {
        var app = Build();
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseQuota());

        Assert.Contains("services.AddQuota()", error.Message);
    }

    [Fact]
    public void UseQuota_BeforeUseGatewayIdentity_Throws()
    {
        var app = Build(services => services.AddQuota(Configuration()));
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseQuota());

        Assert.StartsWith("UseQuota() needs UseGatewayIdentity() before it", error.Message);
    }

    [Fact]
    public void UseWholeRequestBody_BeforeUseGatewayIdentity_Throws()
    {
        var app = Build(services => services.AddRequestGuard());
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseWholeRequestBody());

        Assert.StartsWith("UseWholeRequestBody() needs UseGatewayIdentity() before it", error.Message);
    }

    [Fact]
    public void UseResponseMasking_WithoutUseRouting_Throws()
    {
        var app = Build(services => services.AddResponseMasking(Configuration()));

        var error = Assert.Throws<InvalidOperationException>(() => app.UseResponseMasking());

        Assert.StartsWith("UseResponseMasking() needs UseRouting() before it", error.Message);
    }

    [Fact]
    public void UseConsent_BeforeUseGatewayPurpose_Throws()
    {
        var app = Build(services => services.AddConsent(Configuration()));
        app.UseRouting();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseConsent());

        Assert.StartsWith("UseConsent() needs UseGatewayPurpose() before it", error.Message);
    }

    [Fact]
    public void UseResponseMasking_BeforeUseConsent_Throws()
    {
        var app = Build(services => services.AddResponseMasking(Configuration()));
        app.UseRouting();
        app.MarkUsed(nameof(PurposeRegistration.UseGatewayPurpose));

        var error = Assert.Throws<InvalidOperationException>(() => app.UseResponseMasking());

        Assert.StartsWith("UseResponseMasking() needs UseConsent() before it", error.Message);
    }

    [Fact]
    public void MapGatewayProxy_WithoutUseResponseMasking_Throws()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddGatewayUpstream(builder.Configuration);
        using var app = builder.Build();
        foreach (var used in new[]
        {
            nameof(AuditRegistration.UseGatewayAudit), nameof(RequestGuardRegistration.UseRequestGuard), nameof(IdentityRegistration.UseGatewayIdentity),
            nameof(PurposeRegistration.UseGatewayPurpose), nameof(ConsentRegistration.UseConsent), nameof(RequestGuardRegistration.UseWholeRequestBody),
            nameof(UpstreamRegistration.UseUpstreamErrors),
        })
        {
            app.MarkUsed(used);
        }

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGatewayProxy());

        Assert.StartsWith("MapGatewayProxy() needs UseResponseMasking() before it in the pipeline: no response leaves unmasked", error.Message);
    }

    [Fact]
    public void StagesSwitchedOffBySettings_AddNothing_AndStillCountAsInThePipeline()
    {
        var configuration = Configuration();
        var app = Build(services => services.AddRouting()
            .AddGatewayAudit(configuration)
            .AddGatewayIdentity(configuration)
            .AddQuota(configuration)
            .AddGatewayPurpose(configuration)
            .AddConsent(configuration)
            .AddResponseMasking(configuration));
        app.MarkUsed(nameof(TransportRegistration.UseGatewayTransport));
        var counted = new CountingBuilder(app);
        counted.UseRouting();
        var afterRouting = counted.Added;

        counted.UseGatewayAudit().UseGatewayIdentity().UseQuota().UseGatewayPurpose().UseConsent().UseResponseMasking();

        Assert.Equal(afterRouting, counted.Added);
    }

    [Fact]
    public void AStageSwitchedOn_AddsItsMiddleware()
    {
        _settings["Gateway:Identity:Enabled"] = "true";
        var app = Build(services => services.AddRouting().AddGatewayIdentity(Configuration()));
        var counted = new CountingBuilder(app);
        counted.UseRouting();
        var afterRouting = counted.Added;

        counted.UseGatewayIdentity();

        Assert.Equal(afterRouting + 1, counted.Added);
    }

    private IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();

    private ApplicationBuilder Build(Action<IServiceCollection>? add = null)
    {
        _services.AddRouting();
        add?.Invoke(_services);
        _provider = _services.BuildServiceProvider();
        return new ApplicationBuilder(_provider);
    }

    /// <summary>Counts the middleware added through it.</summary>
    private sealed class CountingBuilder(IApplicationBuilder inner) : IApplicationBuilder
    {
        public int Added { get; private set; }

        public IServiceProvider ApplicationServices
        {
            get => inner.ApplicationServices;
            set => inner.ApplicationServices = value;
        }

        public Microsoft.AspNetCore.Http.Features.IFeatureCollection ServerFeatures => inner.ServerFeatures;

        public IDictionary<string, object?> Properties => inner.Properties;

        public IApplicationBuilder Use(Func<RequestDelegate, RequestDelegate> middleware)
        {
            Added++;
            inner.Use(middleware);
            return this;
        }

        public IApplicationBuilder New() => inner.New();

        public RequestDelegate Build() => inner.Build();
    }
}
