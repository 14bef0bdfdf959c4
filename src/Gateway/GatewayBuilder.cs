namespace Gateway;

/// <summary>Returned by <c>AddComplianceGateway()</c>; later stages hang their registration off it.</summary>
internal sealed class GatewayBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
