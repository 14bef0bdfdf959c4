using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Admin;
using Gateway.Identity;
using Gateway.Pipeline;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.PrivacyConsole;

/// <summary>
/// What every console API endpoint does the same way: the caller's token and role, a JSON body
/// read within the size limit (never logged, never stored), and problem+json refusals.
/// </summary>
internal static class ConsoleApi
{
    public const string Stage = "console_api";

    /// <returns>The caller, or null once a 401/403/503 has been written.</returns>
    public static Task<GatewayIdentity?> AuthenticateAsync(HttpContext context, Func<ConsoleOptions, string> role) =>
        AdminTokenAuthorization.AuthenticateAsync(context, Stage, "The console API", [role(context.Options())], "console_role_required");

    /// <returns>The body, or null once a 400/413/415 has been written.</returns>
    public static async Task<T?> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        var limit = context.Options().MaxRequestBytes;
        if (!IsJson(context.Request.ContentType))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "content_type_invalid", "Send the body as application/json.");
            return null;
        }
        if (context.Request.ContentLength > limit)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body exceeds {limit} bytes.");
            return null;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }
        try
        {
            return await context.Request.ReadFromJsonAsync(type, context.RequestAborted)
                ?? await RefuseAsync<T>(context, StatusCodes.Status400BadRequest, "body_invalid", "The body must be a JSON object.");
        }
        catch (JsonException)
        {
            return await RefuseAsync<T>(context, StatusCodes.Status400BadRequest, "body_invalid", "The body is not the JSON object this endpoint takes.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await RefuseAsync<T>(context, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body exceeds {limit} bytes.");
        }
    }

    public static Task RefuseAsync(HttpContext context, int status, string code, string detail) =>
        GatewayProblem.RefuseAsync(context, Stage, status, code, detail);

    public static async Task WriteAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(value, type, contentType: status >= 400 ? "application/problem+json" : "application/json", context.RequestAborted);
    }

    private static async Task<T?> RefuseAsync<T>(HttpContext context, int status, string code, string detail)
        where T : class
    {
        await RefuseAsync(context, status, code, detail);
        return null;
    }

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
