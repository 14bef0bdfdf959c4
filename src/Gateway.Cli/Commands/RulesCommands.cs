using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Errors;
using Gateway.Masking;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>gatewayctl rules validate|preview|test|explain</c>: the security team checks a rules file,
/// sees what a role would get and may change, and runs its own fixtures (reads and writes) in CI,
/// with the same engine the gateway runs.
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
        rules.Subcommands.Add(Explain());
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
            foreach (var notice in compiled.Notices)
            {
                output.WriteLine($"notice: {notice}");
            }
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
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "Fixtures: one folder per case. A read case: case.json {path, roles, mfa}, input.json (the CRM's response) and expected.json (what the role gets). A write case: case.json {method, path, roles, mfa, contentType?, operation?}, request.json (the body, if any) and expected.json {allowed, code?, reason?, field?, class?}." }.AcceptExistingOnly();
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
            if (root.TryGetProperty("method", out var method) && method.GetString() is not ("GET" or "HEAD"))
            {
                return RunWriteCase(rules, folder, root, method.GetString()!, roles, mfa);
            }
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

    /// <summary>A write case: the gateway's decision on the request, compared with expected.json's allowed, code, reason, field and class.</summary>
    private static string? RunWriteCase(CompiledRules rules, DirectoryInfo folder, JsonElement spec, string method, string[] roles, bool mfa)
    {
        var path = spec.GetProperty("path").GetString()!;
        var operation = RecordOperations.ForMethod(method);
        if (spec.TryGetProperty("operation", out var declared) && !RecordOperations.TryParse(declared.GetString(), out operation))
        {
            return $"the case cannot be read: operation '{declared}' is not one of {string.Join(", ", RecordOperations.Names)}.";
        }
        var bodyFile = Path.Combine(folder.FullName, "request.json");
        var body = File.Exists(bodyFile) ? File.ReadAllBytes(bodyFile) : [];
        var contentType = spec.TryGetProperty("contentType", out var type) ? type.GetString() : body.Length > 0 ? "application/json" : null;
        var verdict = Decide(rules, path, method, operation, roles, mfa, contentType, body);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.FullName, "expected.json")));
        var want = expected.RootElement;
        var mismatches = new List<string>();
        Compare("allowed", want.GetProperty("allowed").GetBoolean() ? "true" : "false", verdict.Allowed ? "true" : "false");
        foreach (var (name, actual) in new[] { ("code", verdict.Code), ("reason", verdict.Reason), ("field", verdict.Field), ("class", verdict.Class) })
        {
            if (want.TryGetProperty(name, out var value))
            {
                Compare(name, value.GetString(), actual);
            }
        }
        return mismatches.Count == 0 ? null : $"{string.Join("; ", mismatches)} ({verdict.Detail})";

        void Compare(string name, string? wanted, string? actual)
        {
            if (wanted != actual)
            {
                mismatches.Add($"{name}: expected {wanted ?? "none"}, got {actual ?? "none"}");
            }
        }
    }

    private sealed record WriteVerdict(bool Allowed, string? Code, string? Reason, string? Field, string? Class, string Detail);

    /// <summary>What the gateway's write policy stage decides (with its default limits and UncoveredRoutes=deny).</summary>
    private static WriteVerdict Decide(CompiledRules rules, string path, string method, RecordOperation operation, string[] roles, bool mfa, string? contentType, byte[] body)
    {
        if (rules.EntityFor(path) is not { } entity)
        {
            return operation == RecordOperation.Read
                ? new(true, null, null, null, null, "a read of a route no entity covers: masking decides (UnknownRoutes)")
                : new(false, WriteRefusals.RouteNotCoveredForWrite, null, null, null, $"no entity covers {path}");
        }
        var report = new WriteJudge(new WriteLimits()).Decide(rules, entity, rules.PermissionsFor(roles.ToHashSet(StringComparer.Ordinal)), mfa, operation,
            method, contentType, contentEncoding: null, body, entity.SubjectFromPath(path), DefaultMaxBodyBytes);
        if (report?.Refusal is { } refusal)
        {
            return new(false, refusal.Code, refusal.Reason, refusal.Path, refusal.Class, refusal.Detail);
        }
        return new(true, null, null, null, null, report is null ? "read allowed"
            : $"{report.Operation} allowed, writes {(report.Fields.Count == 0 ? "no field" : string.Join(", ", report.Fields.Select(f => $"{f.Path} ({f.Class})")))}");
    }

    /// <summary>The gateway's default for Gateway:WritePolicy:MaxBodyBytes.</summary>
    private const long DefaultMaxBodyBytes = 1024 * 1024;

    private static Command Explain()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rules YAML." };
        var role = new Option<string[]>("--role") { Description = "The caller's gateway role (repeat for several).", Required = true, AllowMultipleArgumentsPerToken = true };
        var hashKey = HashKeyOption();
        var command = new Command("explain", "Print what a role may do per entity: its operations, and per data class what it reads (without and with MFA) and whether it may write it.") { file, role, hashKey };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (Load(parse.GetValue(file)!, parse.GetValue(hashKey), parse.InvocationConfiguration.Error) is not { } compiled)
            {
                return Invalid;
            }
            var roles = parse.GetValue(role)!.ToHashSet(StringComparer.Ordinal);
            var permissions = compiled.PermissionsFor(roles);
            var (withoutMfa, withMfa) = (compiled.ViewFor(roles, mfaUsed: false), compiled.ViewFor(roles, mfaUsed: true));
            output.WriteLine(compiled.HasPermissions
                ? $"roles {string.Join(", ", roles)}: permissions of {(permissions.Role is null ? "no entry (nothing allowed)" : permissions.Role == "*" ? "the * entry" : permissions.Role)}"
                : $"roles {string.Join(", ", roles)}: the rules have no permissions section, so every caller reads and nobody writes");
            string[] classes = [.. compiled.Classes, "unclassified"];
            var width = Math.Max(12, classes.Max(c => c.Length) + 2);
            foreach (var entity in compiled.Entities)
            {
                var operations = RecordOperations.Names.Where((_, i) => permissions.Allows(entity, (RecordOperation)i)).ToList();
                output.WriteLine();
                output.WriteLine($"entity {entity.Name}: {(operations.Count == 0 ? "no operation" : string.Join(", ", operations))}");
                output.WriteLine($"  {"class".PadRight(width)}{"read".PadRight(14)}{"read (mfa)".PadRight(14)}write");
                foreach (var className in classes)
                {
                    var write = compiled.WriteAccessFor(permissions, entity, className) switch
                    {
                        ClassWriteAccess.Yes => "yes",
                        ClassWriteAccess.WithMfa => "mfa",
                        _ => "no",
                    };
                    output.WriteLine($"  {className.PadRight(width)}{compiled.ReadActionFor(withoutMfa, className).PadRight(14)}{compiled.ReadActionFor(withMfa, className).PadRight(14)}{write}");
                }
            }
            return 0;
        });
        return command;
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
