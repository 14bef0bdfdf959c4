using System.Text.Json;

namespace Gateway.Pipeline;

/// <summary>
/// Writes the short RFC 9457 problem responses every stage uses when it refuses a request,
/// and records the refusal on the request feature so it can be audited.
/// </summary>
internal static class GatewayProblem
{
    /// <param name="publicCode">What the client is told, where the precise reason would help an attacker (it is still recorded for the audit).</param>
    /// <param name="reason">A finer, stable reason within the code (a write body's <c>compressed</c>), for clients that act on it.</param>
    public static Task RefuseAsync(HttpContext context, string stage, int status, string reasonCode, string detail, string? publicCode = null, string? reason = null)
    {
        GatewayRequestFeature.GetOrCreate(context).Deny(stage, reasonCode);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var body = new ProblemBody(status, publicCode ?? reasonCode, detail) { Reason = reason };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ProblemJsonContext.Default.ProblemBody));
    }
}

internal sealed record ProblemBody(int Status, string Code, string Detail)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ProblemJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
