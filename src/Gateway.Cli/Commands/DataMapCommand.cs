using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Masking;
using Gateway.Masking.Rules;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>gatewayctl datamap rules.yaml [--csv|--json]</c>: what each role receives of each data
/// class, without and with MFA, built by the same library code as the console's data map.
/// </summary>
internal static class DataMapCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rules YAML." };
        var csv = new Option<bool>("--csv") { Description = "CSV (RFC 4180), as the console exports it." };
        var json = new Option<bool>("--json") { Description = "JSON: one object per class x role." };
        var command = new Command("datamap", "Print the data map of a rules file: data class x role -> what the role receives.") { file, csv, json };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(csv) && parse.GetValue(json))
            {
                error.WriteLine("Choose one of --csv and --json.");
                return 2;
            }
            CompiledRules rules;
            try
            {
                rules = RulesCompiler.Compile(File.ReadAllText(parse.GetValue(file)!.FullName), new byte[32]);
            }
            catch (RulesException ex)
            {
                foreach (var problem in ex.Errors)
                {
                    error.WriteLine(problem.ToString());
                }
                return RulesCommands.Invalid;
            }
            catch (IOException ex)
            {
                error.WriteLine(ex.Message);
                return RulesCommands.Invalid;
            }
            var entries = DataMap.Build(rules, []);
            if (parse.GetValue(csv))
            {
                DataMap.WriteCsv(output, entries);
            }
            else if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(entries, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
            else
            {
                output.Write(Table(rules, entries));
            }
            return 0;
        });
        return command;
    }

    /// <summary>One line per class, one column per role; "x / MFA: y" where MFA changes what the role receives, then whether it may write the class.</summary>
    private static string Table(CompiledRules rules, IReadOnlyList<DataMapEntry> entries)
    {
        var roles = entries.Select(e => e.Role).Distinct().ToList();
        var classes = entries.Select(e => e.DataClass).Distinct().ToList();
        var cells = classes.Select(c => roles.Select(r => entries.First(e => e.DataClass == c && e.Role == r))
            .Select(e => (e.ActionWithMfa == e.Action ? e.Receives : $"{e.Receives} / MFA: {e.ReceivesWithMfa}") + $" (writes: {e.Writes})").ToList()).ToList();
        var widths = new List<int> { Math.Max("class".Length, classes.Max(c => c.Length)) };
        widths.AddRange(roles.Select((r, i) => Math.Max(r.Length, cells.Max(row => row[i].Length))));
        var text = new StringBuilder($"rules {rules.Version}{Environment.NewLine}");
        text.AppendLine(string.Join("  ", new[] { "class" }.Concat(roles).Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        for (var c = 0; c < classes.Count; c++)
        {
            text.AppendLine(string.Join("  ", new[] { classes[c] }.Concat(cells[c]).Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        }
        return text.ToString();
    }
}
