using System.Text;

namespace Gateway.Demo;

internal static class DemoBanner
{
    /// <summary>The one line that installs gatewayctl from the clone, as the README gives it.</summary>
    public const string InstallGatewayCtl = "dotnet pack src/Gateway.Cli -o .tools && dotnet tool install --global --add-source .tools ComplianceGateway.Cli";

    /// <summary>Mints a token per role, writes it to .demo/tokens/, and returns the text to print.</summary>
    public static string Render(DemoWorkspace workspace, DemoTokenIssuer issuer, DateTimeOffset now, TimeSpan lifetime, int proxyPort, int adminPort, Uri crm, string? redis)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("Compliance Gateway demo is running.");
        text.AppendLine($"  gateway    https://localhost:{proxyPort}   (TLS 1.2/1.3 only)");
        text.AppendLine($"  admin      https://localhost:{adminPort}/healthz  and /readyz");
        text.AppendLine($"  demo CRM   {crm}   (reachable only with the credential the gateway holds)");
        text.AppendLine($"  CA         {workspace.CaCertificatePath}");
        text.AppendLine($"  gatewayctl the commands below; install it once, from the clone: {InstallGatewayCtl}");
        text.AppendLine(redis is null
            ? "  audit      off: no Redis. Add --Gateway:Redis:Configuration=localhost:6379 to record every request in a Redis Stream"
            : $"  audit      stream gateway:audit on {redis}: gatewayctl audit tail --redis '{redis}' --from 0; gatewayctl audit verify --redis '{redis}' --key-file '{workspace.AuditKeyPath}'");
        text.AppendLine(redis is null
            ? "  purposes   support (contract; the demo client's default). marketing and partner-sharing need Redis for the consent store"
            : $"  purposes   support (contract, default), marketing (consent), partner-sharing (legitimate interest): send X-Purpose: marketing;"
                + $"{Environment.NewLine}             record consent with: gatewayctl consent set <contact id> marketing --token-file '{Path.Combine(workspace.TokensDirectory, "consent-admin.jwt")}' --ca-file '{workspace.CaCertificatePath}' --admin-url https://localhost:{adminPort}");
        if (redis is not null)
        {
            text.AppendLine($"  detector   in process, containment on (score 70: quotas tightened, 85: suspended): gatewayctl alerts tail --redis '{redis}' --from 0;"
                + $"{Environment.NewLine}             release a principal: gatewayctl contain release --sub demo-support-agent --redis '{redis}' --key-file '{workspace.AuditKeyPath}'");
            text.AppendLine("  quotas     marketing-analyst: 50 records per 10 min; support-agent: 300 requests/min, 500 records per 10 min; compliance-officer: 200 clear national ids and birth dates per hour (then 429)");
        }
        text.AppendLine();
        text.AppendLine($"Tokens valid until {now.Add(lifetime):u}, one per demo role (also in {workspace.TokensDirectory}):");
        foreach (var role in DemoTokenIssuer.Roles)
        {
            var token = issuer.Mint(role, now, lifetime);
            File.WriteAllText(Path.Combine(workspace.TokensDirectory, $"{role.Name}.jwt"), token + "\n");
            text.AppendLine();
            text.AppendLine($"# {role.Name}");
            text.AppendLine($"curl --cacert '{workspace.CaCertificatePath}' -H 'Authorization: Bearer {token}' 'https://localhost:{proxyPort}/api/contacts?pageSize=2'");
        }
        var agent = Path.Combine(workspace.TokensDirectory, "support-agent.jwt");
        var write = $"curl --cacert '{workspace.CaCertificatePath}' -H \"Authorization: Bearer $(cat '{agent}')\" -H 'Content-Type: application/merge-patch+json' -X PATCH https://localhost:{proxyPort}/api/contacts/c-00001";
        text.AppendLine();
        text.AppendLine("# writes: a support agent may change a phone number (200) but not a national id (403 field_not_writable)");
        text.AppendLine($"{write} -d '{{\"phones\":[{{\"type\":\"mobile\",\"number\":\"+1-555-0100\"}}]}}'");
        text.AppendLine($"{write} -d '{{\"ssn\":\"000-00-0000\"}}'");
        var console = DemoTokenIssuer.SecurityTeam;
        var consoleTokenPath = Path.Combine(workspace.TokensDirectory, $"{console.Name}.jwt");
        File.WriteAllText(consoleTokenPath, issuer.Mint(console, now, lifetime) + "\n");
        text.AppendLine();
        text.AppendLine($"Privacy console: https://localhost:{adminPort}/console/  (trust the CA above, or accept the certificate)");
        text.AppendLine($"  sign in with the {console.Name} token ({string.Join(", ", console.Roles)}): {consoleTokenPath}");
        text.AppendLine();
        text.AppendLine("Press Ctrl+C to stop.");
        return text.ToString();
    }
}
