namespace Gateway.Benchmarks.Load;

/// <summary>
/// The variants of one run. Purposes need identity and masking, so switching either off also
/// switches purposes (and consent) off; the tables say so.
/// </summary>
internal static class LoadVariants
{
    public static readonly LoadVariant Direct = new DirectVariant();

    public static readonly LoadVariant Nginx = new NginxVariant();

    public static readonly LoadVariant BareYarp = new GatewayVariant("bare YARP", new Dictionary<string, string?>(GatewayVariant.NoPurposes)
    {
        ["Gateway:Identity:Enabled"] = "false",
        ["Gateway:Masking:Enabled"] = "false",
        ["Gateway:Redis:Configuration"] = null,
        ["Gateway:Audit:Enabled"] = "false",
    });

    public static readonly LoadVariant Full = new GatewayVariant("full gateway", new Dictionary<string, string?>());

    public static readonly LoadVariant WithoutIdentity = new GatewayVariant("full - identity (- consent)", new Dictionary<string, string?>(GatewayVariant.NoPurposes)
    {
        ["Gateway:Identity:Enabled"] = "false",
    });

    public static readonly LoadVariant WithoutMasking = new GatewayVariant("full - masking (- consent)", new Dictionary<string, string?>(GatewayVariant.NoPurposes)
    {
        ["Gateway:Masking:Enabled"] = "false",
    });

    public static readonly LoadVariant WithoutConsent = new GatewayVariant("full - consent", GatewayVariant.NoPurposes);

    public static readonly LoadVariant WithoutAudit = new GatewayVariant("full - audit", new Dictionary<string, string?>
    {
        ["Gateway:Audit:Enabled"] = "false",
    });

    public static IReadOnlyList<LoadVariant> All { get; } = [Direct, Nginx, BareYarp, Full, WithoutIdentity, WithoutMasking, WithoutConsent, WithoutAudit];
}
