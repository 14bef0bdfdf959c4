using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Audit;
using Gateway.Identity;
using Gateway.Pipeline;
using Gateway.Purpose;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Consent;

/// <summary>
/// The consent register's API on the admin port: grant (PUT), withdraw (DELETE), read (GET), bulk
/// import (POST /consent/import, all rows or none). Subjects arrive in clear and are stored only
/// as keyed hashes; every change is an audit event, and is refused if it could not be audited.
/// </summary>
internal static class ConsentEndpoints
{
    private const string Stage = "consent_api";
    private const int MaxSubjectLength = 256;

    public static void MapConsentApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/consent/{subject}", ShowAsync);
        endpoints.MapPut("/consent/{subject}/{purpose}", GrantAsync);
        endpoints.MapDelete("/consent/{subject}/{purpose}", WithdrawAsync);
        endpoints.MapPost("/consent/import", ImportAsync);
    }

    private static async Task ShowAsync(HttpContext context, string subject)
    {
        if (await ConsentAdminAuthorization.AuthenticateAsync(context) is null || !await ValidSubjectAsync(context, subject))
        {
            return;
        }
        var hash = Hash(context, subject);
        var records = await StoreCallAsync(context, async store => await store.GetAllAsync(hash));
        if (records is not null)
        {
            await context.Response.WriteAsJsonAsync(new ConsentView(hash, records), ConsentApiJson.Default.ConsentView);
        }
    }

    private static async Task GrantAsync(HttpContext context, string subject, string purpose)
    {
        ConsentChange? change = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                change = await context.Request.ReadFromJsonAsync(ConsentApiJson.Default.ConsentChange, context.RequestAborted);
            }
            catch (JsonException)
            {
                await BadRequestAsync(context, "body_invalid", "The body must be JSON: {\"source\": \"...\", \"expires\": \"2027-01-01T00:00:00Z\"}.");
                return;
            }
        }
        await ChangeAsync(context, subject, purpose, ConsentRecord.Granted, change?.Source, change?.Expires);
    }

    private static Task WithdrawAsync(HttpContext context, string subject, string purpose) =>
        ChangeAsync(context, subject, purpose, ConsentRecord.Withdrawn, context.Request.Query["source"].FirstOrDefault(), null);

    private static async Task ChangeAsync(HttpContext context, string subject, string purpose, string status, string? source, DateTimeOffset? expires)
    {
        if (await ConsentAdminAuthorization.AuthenticateAsync(context) is not { } actor || !await ValidSubjectAsync(context, subject))
        {
            return;
        }
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var problem = Problem(purpose, status, expires, now, context.RequestServices.GetRequiredService<PurposeResolver>());
        if (problem is not null)
        {
            await BadRequestAsync(context, problem.Value.Code, problem.Value.Detail);
            return;
        }
        if (!await AuditReadyAsync(context))
        {
            return;
        }
        var record = new ConsentRecord(status, now, Source(source, actor), expires);
        var hash = Hash(context, subject);
        if (await StoreCallAsync(context, async store => { await store.SetAsync(hash, purpose, record); return record; }) is null)
        {
            return;
        }
        await AuditAsync(context, actor, $"Consent {status} for 1 subject.", [new ChangedItem(status, "subject", subject, purpose)]);
        await context.Response.WriteAsJsonAsync(new ConsentView(hash, new Dictionary<string, ConsentRecord?> { [purpose] = record }), ConsentApiJson.Default.ConsentView);
    }

    private static async Task ImportAsync(HttpContext context)
    {
        if (await ConsentAdminAuthorization.AuthenticateAsync(context) is not { } actor)
        {
            return;
        }
        List<ImportRow>? rows;
        try
        {
            rows = await context.Request.ReadFromJsonAsync(ConsentApiJson.Default.ListImportRow, context.RequestAborted);
        }
        catch (JsonException)
        {
            await BadRequestAsync(context, "body_invalid", "The body must be a JSON array of {subject, purpose, status, at, source, expires}.");
            return;
        }
        var options = context.RequestServices.GetRequiredService<IOptions<ConsentOptions>>().Value;
        if (rows is null || rows.Count == 0 || rows.Count > options.MaxImportRows)
        {
            await BadRequestAsync(context, "rows_invalid", $"Send between 1 and {options.MaxImportRows} rows per request.");
            return;
        }
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var purposes = context.RequestServices.GetRequiredService<PurposeResolver>();
        var errors = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (!ValidSubject(row.Subject))
            {
                errors.Add($"row {i + 1}: subject must be 1 to {MaxSubjectLength} characters without control characters.");
            }
            if (Problem(row.Purpose ?? "", row.Status ?? "", row.Expires, now, purposes, historical: true) is { } problem)
            {
                errors.Add($"row {i + 1}: {problem.Detail}");
            }
            if (row.At > now)
            {
                errors.Add($"row {i + 1}: at lies in the future.");
            }
        }
        if (errors.Count > 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new ImportRefused("rows_invalid", errors), ConsentApiJson.Default.ImportRefused);
            return;
        }
        if (!await AuditReadyAsync(context))
        {
            return;
        }
        var records = new List<(string, string, ConsentRecord)>(rows.Count);
        var subjectKey = context.RequestServices.GetRequiredService<ConsentSubjectKey>();
        records.AddRange(rows.Select(row => (subjectKey.Pseudonym(row.Subject!), row.Purpose!, new ConsentRecord(row.Status!, row.At ?? now, Source(row.Source, actor), row.Expires))));
        if (await StoreCallAsync(context, async store => { await store.SetManyAsync(records); return records; }) is null)
        {
            return;
        }
        await AuditAsync(context, actor, $"Consent register import: {rows.Count} rows.", [.. rows.Select(r => new ChangedItem(r.Status!, "subject", r.Subject!, r.Purpose))]);
        await context.Response.WriteAsJsonAsync(new ImportAccepted(rows.Count), ConsentApiJson.Default.ImportAccepted);
    }

    private static (string Code, string Detail)? Problem(string purpose, string status, DateTimeOffset? expires, DateTimeOffset now, PurposeResolver purposes, bool historical = false)
    {
        if (!purposes.TryGet(purpose, out _))
        {
            return ("purpose_unknown", $"'{purpose}' is not a purpose of Gateway:Purposes:Catalog.");
        }
        if (status is not (ConsentRecord.Granted or ConsentRecord.Withdrawn))
        {
            return ("status_invalid", "status must be granted or withdrawn.");
        }
        if (expires is { } expiry && expiry <= now && !historical)
        {
            return ("expiry_past", "expires lies in the past.");
        }
        if (expires is not null && status == ConsentRecord.Withdrawn)
        {
            return ("expiry_on_withdrawal", "a withdrawal does not expire.");
        }
        return null;
    }

    private static bool ValidSubject(string? subject) =>
        subject is { Length: > 0 and <= MaxSubjectLength } && !subject.Any(char.IsControl);

    private static async Task<bool> ValidSubjectAsync(HttpContext context, string subject)
    {
        if (ValidSubject(subject))
        {
            return true;
        }
        await BadRequestAsync(context, "subject_invalid", $"The subject must be 1 to {MaxSubjectLength} characters without control characters.");
        return false;
    }

    private static string Hash(HttpContext context, string subject) =>
        context.RequestServices.GetRequiredService<ConsentSubjectKey>().Pseudonym(subject);

    /// <summary>Who recorded the change, when the caller names no source.</summary>
    private static string Source(string? source, GatewayIdentity actor) =>
        string.IsNullOrWhiteSpace(source) ? $"api:{actor.ClientId ?? actor.Subject}" : source.Trim();

    private static async Task<bool> AuditReadyAsync(HttpContext context)
    {
        if (context.RequestServices.GetRequiredService<IAuditTrail>().CanAccept)
        {
            return true;
        }
        await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status503ServiceUnavailable, "audit_unavailable", "The change could not be audited, so it was not made.");
        return false;
    }

    private static async Task<T?> StoreCallAsync<T>(HttpContext context, Func<ConsentStore, Task<T>> call)
        where T : class
    {
        try
        {
            return await call(await context.RequestServices.GetRequiredService<ConsentLookup>().StoreAsync());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status503ServiceUnavailable, "consent_store_unavailable", "The consent store cannot be reached; nothing was changed.");
            return null;
        }
    }

    private static async Task AuditAsync(HttpContext context, GatewayIdentity actor, string message, IReadOnlyList<ChangedItem> items)
    {
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await context.RequestServices.GetRequiredService<IAuditTrail>().RecordAsync(new GatewayChangeEvent(now)
        {
            Change = "consent",
            Accepted = true,
            Message = message,
            Details = new Dictionary<string, string> { ["actor"] = actor.Subject, ["actor_client"] = actor.ClientId ?? "" },
            Items = items,
        });
    }

    private static Task BadRequestAsync(HttpContext context, string code, string detail) =>
        GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status400BadRequest, code, detail);
}

internal sealed record ConsentChange(string? Source, DateTimeOffset? Expires);

internal sealed record ImportRow(string? Subject, string? Purpose, string? Status, DateTimeOffset? At, string? Source, DateTimeOffset? Expires);

internal sealed record ConsentView(string SubjectHash, IReadOnlyDictionary<string, ConsentRecord?> Purposes);

internal sealed record ImportRefused(string Code, IReadOnlyList<string> Errors);

internal sealed record ImportAccepted(int Imported);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ConsentChange))]
[JsonSerializable(typeof(List<ImportRow>))]
[JsonSerializable(typeof(ConsentView))]
[JsonSerializable(typeof(ImportRefused))]
[JsonSerializable(typeof(ImportAccepted))]
internal sealed partial class ConsentApiJson : JsonSerializerContext;
