using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Masking;
using Gateway.Masking.Rules;
using Microsoft.Extensions.Options;

namespace Gateway.PrivacyConsole;

/// <summary>
/// The rules playground's API (role <see cref="ConsoleOptions.RulesEditorRole"/>): validate a rules
/// file with the compiler gatewayctl uses, preview a sample response masked for one role or all
/// of them by the proxy's own masker (<see cref="JsonMasker.PreviewAsync"/>), and the samples.
/// Nothing sent here is stored or logged.
/// </summary>
internal static class RulesPlaygroundEndpoints
{
    private const int MaxPathLength = 2048;
    private const int MaxRoleLength = 128;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/rules/validate", ValidateAsync);
        api.MapPost("/rules/preview", PreviewAsync);
        api.MapGet("/samples", SamplesAsync);
    }

    private static async Task ValidateAsync(HttpContext context)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.RulesEditorRole) is null
            || await ConsoleApi.ReadBodyAsync(context, PlaygroundJson.Default.ValidateRequest) is not { } request)
        {
            return;
        }
        if (request.Rules is null)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, "rules_missing", "Send the rules YAML as \"rules\".");
            return;
        }
        var (rules, errors) = Compile(context, request.Rules);
        var answer = rules is null
            ? new Validation(false, null, [], [], [], errors)
            : new Validation(true, rules.Version, rules.Classes, [.. rules.Entities.Select(e => e.Name)], [.. rules.Roles], []);
        await ConsoleApi.WriteAsync(context, answer, PlaygroundJson.Default.Validation);
    }

    private static async Task PreviewAsync(HttpContext context)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.RulesEditorRole) is null
            || await ConsoleApi.ReadBodyAsync(context, PlaygroundJson.Default.PreviewRequest) is not { } request)
        {
            return;
        }
        if (RequestProblem(request, context.Options().MaxPreviewRoles) is { } problem)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, problem.Code, problem.Detail);
            return;
        }
        var (rules, errors) = Compile(context, request.Rules!);
        if (rules is null)
        {
            await ConsoleApi.WriteAsync(context, new RulesRefused(StatusCodes.Status422UnprocessableEntity, "rules_invalid", $"The rules have {errors.Count} error(s).", errors), PlaygroundJson.Default.RulesRefused, StatusCodes.Status422UnprocessableEntity);
            return;
        }
        if (rules.EntityFor(request.Path!) is not { } entity)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status422UnprocessableEntity, "entity_not_found", $"No entity of the rules covers {request.Path}; the gateway would block this route (UnknownRoutes=block).");
            return;
        }
        var masker = new JsonMasker(Limits(context));
        var body = Encoding.UTF8.GetBytes(request.Body!);
        var roles = request.Roles is { Count: > 0 } chosen ? chosen : [.. rules.Roles, DataMap.OtherRoles];
        var views = new List<PreviewView>(roles.Count);
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            var view = rules.ViewFor(role == DataMap.OtherRoles ? new HashSet<string>() : new HashSet<string>(StringComparer.Ordinal) { role }, request.Mfa);
            using var output = new MemoryStream();
            MaskingPreview preview;
            try
            {
                preview = await masker.PreviewAsync(new MemoryStream(body, writable: false), output, rules, entity, view, context.RequestAborted);
            }
            catch (MaskingException ex)
            {
                await ConsoleApi.RefuseAsync(context, StatusCodes.Status422UnprocessableEntity, "body_refused", $"The gateway would refuse this response ({ex.Reason}): {ex.Message}");
                return;
            }
            using var masked = JsonDocument.Parse(output.ToArray());
            views.Add(new PreviewView(role, masked.RootElement.Clone(), preview.Report.Records,
                preview.Report.MaskedByClassAndAction, [.. preview.Changes.Select(c => new PreviewChange(c.Pointer, c.DataClass, c.Action, c.Removed))]));
            preview.Report.SubjectIds.Release();
        }
        await ConsoleApi.WriteAsync(context, new Preview(entity.Name, rules.Version, request.Mfa, views), PlaygroundJson.Default.Preview);
    }

    private static async Task SamplesAsync(HttpContext context)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.RulesEditorRole) is null)
        {
            return;
        }
        await ConsoleApi.WriteAsync(context, context.RequestServices.GetRequiredService<ConsoleSamples>().All, PlaygroundJson.Default.IReadOnlyListConsoleSample);
    }

    /// <summary>Compiles as gatewayctl does, with the preview's own hash key; every error has its line, and a column (the line's first character when the compiler knows only the line).</summary>
    private static (CompiledRules? Rules, IReadOnlyList<PlaygroundError> Errors) Compile(HttpContext context, string yaml)
    {
        try
        {
            return (RulesCompiler.Compile(yaml, context.RequestServices.GetRequiredService<PreviewHashKey>().Key), []);
        }
        catch (RulesException ex)
        {
            var lines = yaml.Split('\n');
            return (null, [.. ex.Errors.Select(e => new PlaygroundError(e.Path, e.Line, e.Column > 0 ? e.Column : FirstColumn(lines, e.Line), e.Message))]);
        }
    }

    private static long FirstColumn(string[] lines, long line)
    {
        if (line < 1 || line > lines.Length)
        {
            return 0;
        }
        var text = lines[line - 1];
        return text.Length - text.TrimStart().Length + 1;
    }

    private static (string Code, string Detail)? RequestProblem(PreviewRequest request, int maxRoles)
    {
        if (request.Rules is null)
        {
            return ("rules_missing", "Send the rules YAML as \"rules\".");
        }
        if (request.Body is null)
        {
            return ("body_missing", "Send the sample CRM response as \"body\" (a string holding JSON).");
        }
        if (request.Path is not { Length: > 0 and <= MaxPathLength } path || path[0] != '/' || path.Any(char.IsControl))
        {
            return ("path_invalid", $"\"path\" must be a request path starting with / (at most {MaxPathLength} characters).");
        }
        if (request.Roles is { } roles && (roles.Count > maxRoles || roles.Any(r => r is not { Length: > 0 and <= MaxRoleLength } || r.Any(char.IsControl))))
        {
            return ("roles_invalid", $"\"roles\" must list at most {maxRoles} role names of 1 to {MaxRoleLength} characters.");
        }
        return null;
    }

    private static MaskingLimits Limits(HttpContext context)
    {
        var masking = context.RequestServices.GetRequiredService<IOptions<MaskingOptions>>().Value;
        return new MaskingLimits { MaxDepth = masking.MaxDepth, MaxValueBytes = masking.MaxValueBytes, MaxBodyBytes = context.Options().MaxRequestBytes };
    }
}

internal sealed record ValidateRequest(string? Rules);

internal sealed record PreviewRequest(string? Rules, string? Body, string? Path, IReadOnlyList<string>? Roles, bool Mfa);

internal sealed record PlaygroundError(string Path, long Line, long Column, string Message);

internal sealed record Validation(bool Valid, string? Version, IReadOnlyList<string> Classes, IReadOnlyList<string> Entities, IReadOnlyList<string> Roles, IReadOnlyList<PlaygroundError> Errors);

internal sealed record RulesRefused(int Status, string Code, string Detail, IReadOnlyList<PlaygroundError> Errors);

internal sealed record PreviewChange(string Pointer, [property: JsonPropertyName("class")] string DataClass, string Action, bool Removed);

internal sealed record PreviewView(string Role, JsonElement Masked, int Records, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<PreviewChange> Changes);

internal sealed record Preview(string Entity, string RulesVersion, bool Mfa, IReadOnlyList<PreviewView> Views);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ValidateRequest))]
[JsonSerializable(typeof(PreviewRequest))]
[JsonSerializable(typeof(Validation))]
[JsonSerializable(typeof(RulesRefused))]
[JsonSerializable(typeof(Preview))]
[JsonSerializable(typeof(IReadOnlyList<ConsoleSample>))]
internal sealed partial class PlaygroundJson : JsonSerializerContext;
