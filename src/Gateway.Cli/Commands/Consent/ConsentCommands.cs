using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Commands.Consent;

/// <summary>
/// <c>gatewayctl consent set|withdraw|show|import</c>: the consent register, through the gateway's
/// admin API (so every change is checked, hashed and audited by the gateway, not written around it).
/// </summary>
internal static class ConsentCommands
{
    public static Command Build()
    {
        return new Command("consent", "Manage the consent register (through the gateway's admin API).")
        {
            Change("set", "Record that a subject consented to a purpose.", grant: true),
            Change("withdraw", "Record that a subject withdrew consent to (or objected to) a purpose; takes effect on every gateway within a second.", grant: false),
            Show(),
            ConsentImportCommand.Build(),
        };
    }

    private static Command Change(string name, string description, bool grant)
    {
        var subject = new Argument<string>("subject") { Description = "The data subject's id in the CRM." };
        var purpose = new Argument<string>("purpose") { Description = "A purpose of Gateway:Purposes:Catalog." };
        var source = new Option<string?>("--source") { Description = "Where the consent was given or withdrawn (form, call, letter); default: the API caller." };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the consent lapses (ISO 8601)." };
        var api = new ConsentApiClient();
        var command = new Command(name, description) { subject, purpose, source };
        if (grant)
        {
            command.Options.Add(expires);
        }
        api.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var admin = api.Create(parse);
            var path = $"consent/{Uri.EscapeDataString(parse.GetValue(subject)!)}/{Uri.EscapeDataString(parse.GetValue(purpose)!)}";
            using var request = grant
                ? new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(new { source = parse.GetValue(source), expires = parse.GetValue(expires) }) }
                : new HttpRequestMessage(HttpMethod.Delete, parse.GetValue(source) is { } s ? $"{path}?source={Uri.EscapeDataString(s)}" : path);
            using var response = await admin.SendAsync(request, cancellationToken);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{(grant ? "Consent recorded" : "Withdrawal recorded")}: {parse.GetValue(purpose)} for subject '{parse.GetValue(subject)}'.");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var subject = new Argument<string>("subject") { Description = "The data subject's id in the CRM." };
        var json = new Option<bool>("--json") { Description = "Print the gateway's JSON answer." };
        var api = new ConsentApiClient();
        var command = new Command("show", "Show what a subject said about each purpose.") { subject, json };
        api.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var admin = api.Create(parse);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"consent/{Uri.EscapeDataString(parse.GetValue(subject)!)}");
            using var response = await admin.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(text);
                return 0;
            }
            var view = JsonNode.Parse(text)!;
            await output.WriteLineAsync($"subject '{parse.GetValue(subject)}' (stored as {view["subject_hash"]})");
            var purposes = view["purposes"]!.AsObject();
            if (purposes.Count == 0)
            {
                await output.WriteLineAsync("  no consent recorded");
            }
            foreach (var (name, record) in purposes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var expires = record?["expires"] is { } e ? $", expires {e}" : "";
                await output.WriteLineAsync(record is null
                    ? $"  {name,-20} (unreadable record: counts as no consent)"
                    : $"  {name,-20} {record["status"],-10} since {record["at"]} from {record["source"]}{expires}");
            }
            return 0;
        });
        return command;
    }
}
