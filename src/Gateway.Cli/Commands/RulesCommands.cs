using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Errors;
using Gateway.Masking;
using Gateway.Masking.Rules;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>gatewayctl rules validate|preview|test</c>: the security team checks a rules file, sees
/// what a role would get, and runs its own fixtures in CI, with the same engine the gateway runs.
/// </summary>
internal static class RulesCommands
{
    public const int Invalid = 1;

    public static Command Build()
    {
        var rules = new Command("rules", "Validate, preview and test masking rules files.");
        rules.Subcommands.Add(Validate());
        rules.Subcommands.Add(Preview());
        rules.Subcommands.Add(Test());
        return rules;
    }

    private static Command Validate()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rules YAML." }.AcceptExistingOnly();
        var hashKey = HashKeyOption();
        var command = new Command("validate", "Check a rules file; print every error with its path and line (exit 1 if any).") { file, hashKey };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (Load(parse.GetValue(file)!, parse.GetValue(hashKey), parse.InvocationConfiguration.Error) is not { } compiled)
            {
                return Invalid;
            }
            output.WriteLine($"valid: version {compiled.Version}, {compiled.Classes.Count} classes, {compiled.Entities.Count} entities, roles: {string.Join(", ", compiled.Roles)}");
            return 0;
        });
        return command;
    }

    private static Command Preview()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rules YAML." }.AcceptExistingOnly();
        var role = new Option<string[]>("--role") { Description = "The caller's gateway role (repeat for several).", Required = true, AllowMultipleArgumentsPerToken = true };
        var mfa = new Option<bool>("--mfa") { Description = "The caller used multi-factor authentication." };
        var path = new Option<string>("--path") { Description = "The request path, which selects the entity.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "A sample CRM response (JSON).", Required = true }.AcceptExistingOnly();
        var hashKey = HashKeyOption();
        var command = new Command("preview", "Print what a role would see of a sample response, and the masking report.") { file, role, mfa, path, input, hashKey };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (Load(parse.GetValue(file)!, parse.GetValue(hashKey) , error) is not { } compiled)
            {
                return Invalid;
            }
            var (masked, report, failure) = await MaskAsync(compiled, parse.GetValue(path)!, parse.GetValue(role)!, parse.GetValue(mfa), File.ReadAllBytes(parse.GetValue(input)!.FullName), cancellationToken);
            if (failure is not null)
            {
                await error.WriteLineAsync(failure);
                return Invalid;
            }
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(Pretty(masked!));
            await output.WriteLineAsync($"report: entity {report!.Entity}, rules {report.RulesVersion}, {report.Records} records, subjects [{string.Join(", ", report.SubjectIds)}]");
            foreach (var (key, count) in report.MaskedByClassAndAction.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                await output.WriteLineAsync($"  {key}: {count}");
            }
            return 0;
        });
        return command;
    }

    private static Command Test()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rules YAML." }.AcceptExistingOnly();
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "Fixtures: one folder per case with case.json {path, roles, mfa}, input.json and expected.json." }.AcceptExistingOnly();
        var hashKey = HashKeyOption();
        var command = new Command("test", "Run fixture cases against a rules file; print N passed, N failed (exit 1 on any failure).") { file, directory, hashKey };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (Load(parse.GetValue(file)!, parse.GetValue(hashKey), parse.InvocationConfiguration.Error) is not { } compiled)
            {
                return Invalid;
            }
            var (passed, failed) = (0, 0);
            foreach (var folder in parse.GetValue(directory)!.EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                var outcome = await RunCaseAsync(compiled, folder, cancellationToken);
                if (outcome is null)
                {
                    passed++;
                    await output.WriteLineAsync($"PASS {folder.Name}");
                }
                else
                {
                    failed++;
                    await output.WriteLineAsync($"FAIL {folder.Name}: {outcome}");
                }
            }
            await output.WriteLineAsync($"{passed} passed, {failed} failed");
            return failed == 0 && passed > 0 ? 0 : Invalid;
        });
        return command;
    }

    private static async Task<string?> RunCaseAsync(CompiledRules rules, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        try
        {
            using var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, "case.json")));
            var root = spec.RootElement;
            var roles = root.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray();
            var mfa = root.TryGetProperty("mfa", out var m) && m.GetBoolean();
            var (masked, _, failure) = await MaskAsync(rules, root.GetProperty("path").GetString()!, roles, mfa,
                File.ReadAllBytes(Path.Combine(folder.FullName, "input.json")), cancellationToken);
            if (failure is not null)
            {
                return failure;
            }
            using var actual = JsonDocument.Parse(masked!);
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, "expected.json")));
            return JsonElement.DeepEquals(actual.RootElement, expected.RootElement) ? null : $"got {masked}";
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"the case cannot be read: {ex.Message}";
        }
    }

    private static async Task<(string? Masked, MaskingReport? Report, string? Failure)> MaskAsync(
        CompiledRules rules, string path, string[] roles, bool mfa, byte[] input, CancellationToken cancellationToken)
    {
        if (rules.EntityFor(path) is not { } entity)
        {
            return (null, null, $"no entity covers {path}; the gateway would block this route (UnknownRoutes=block).");
        }
        using var output = new MemoryStream();
        try
        {
            var report = await new JsonMasker(new MaskingLimits()).MaskAsync(new MemoryStream(input), output, rules, entity,
                rules.ViewFor(roles.ToHashSet(StringComparer.Ordinal), mfa), cancellationToken);
            return (Encoding.UTF8.GetString(output.ToArray()), report, null);
        }
        catch (MaskingException ex)
        {
            return (null, null, $"the gateway would refuse this body ({ex.Reason}): {ex.Message}");
        }
    }

    private static CompiledRules? Load(FileInfo file, FileInfo? hashKeyFile, TextWriter error)
    {
        try
        {
            var key = hashKeyFile is null ? PreviewKey : RulesFiles.HashKey(hashKeyFile.FullName);
            return RulesCompiler.Compile(File.ReadAllText(file.FullName), key);
        }
        catch (RulesException ex)
        {
            foreach (var problem in ex.Errors)
            {
                error.WriteLine(problem.ToString());
            }
            error.WriteLine($"{ex.Errors.Count} error{(ex.Errors.Count == 1 ? "" : "s")}");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw CliFailure.Usage($"cannot read {(hashKeyFile is null ? file.FullName : $"{file.FullName} or {hashKeyFile.FullName}")} ({FailureMessages.Sentence(ex.Message)})", "pass a readable rules file (and --hash-key file)");
        }
    }

    /// <summary>Without --hash-key, hash pseudonyms are computed with a fixed preview key: stable, but not the production ones.</summary>
    private static readonly byte[] PreviewKey = Encoding.UTF8.GetBytes("gatewayctl-preview-key-not-for-production");

    private static Option<FileInfo> HashKeyOption() => new Option<FileInfo>("--hash-key") { Description = "The hash action's key file (default: a fixed preview key)." }.AcceptExistingOnly();

    private static string Pretty(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
