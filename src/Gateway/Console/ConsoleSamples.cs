using System.Text;

namespace Gateway.PrivacyConsole;

/// <summary>
/// Sample CRM responses, each with the shipped rules file it goes with (deploy/rules and
/// deploy/rules/samples, embedded in the assembly): one click away in the playground.
/// </summary>
internal sealed class ConsoleSamples
{
    private static readonly (string Id, string Name, string Path)[] Catalog =
    [
        ("democrm", "Demo CRM", "/api/contacts"),
        ("salesforce", "Salesforce", "/services/data/v59.0/query"),
        ("hubspot", "HubSpot", "/crm/v3/objects/contacts"),
        ("dynamics", "Dynamics 365", "/api/data/v9.2/contacts"),
    ];

    public IReadOnlyList<ConsoleSample> All { get; } = [.. Catalog.Select(sample => new ConsoleSample(
        sample.Id, sample.Name, sample.Path, Resource($"samples/{sample.Id}.yaml"), Resource($"samples/{sample.Id}.json")))];

    private static string Resource(string name)
    {
        using var stream = typeof(ConsoleSamples).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The console sample '{name}' is not embedded in the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

internal sealed record ConsoleSample(string Id, string Name, string Path, string Rules, string Body);
