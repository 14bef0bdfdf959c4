namespace Gateway.Pipeline;

/// <summary>
/// How each stage's <c>Add…</c>/<c>Use…</c> pair checks its prerequisites, the way ASP.NET Core's
/// own middleware does (<c>UseAuthorization</c> throws without <c>AddAuthorization</c>): a
/// <c>Use…</c> whose services were not added, or that comes before a stage it relies on, throws
/// while the pipeline is built. A stage forgotten or out of order would otherwise fail open: a
/// response nobody masks, a refusal nobody audits.
/// </summary>
internal static class StagePrerequisites
{
    /// <summary>Where <c>UseRouting()</c> keeps its route builder (ASP.NET Core's EndpointRoutingMiddleware checks the same key).</summary>
    private const string RoutingKey = "__EndpointRouteBuilder";

    private const string UsedKeyPrefix = "Gateway.Pipeline.Used:";

    /// <summary>Records that <paramref name="addMethod"/> registered its stage's services, and whether settings switch the stage on.</summary>
    public static void AddStage(this IServiceCollection services, string addMethod, bool enabled)
    {
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(AddedStage) && descriptor.ImplementationInstance is AddedStage added && added.AddMethod == addMethod))
        {
            services.AddSingleton(new AddedStage(addMethod, enabled));
        }
    }

    /// <returns>Whether settings switch the stage on: off, its <c>Use…</c> adds nothing.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="addMethod"/> was not called.</exception>
    public static bool RequireAdded(this IApplicationBuilder app, string addMethod, string useMethod) =>
        app.ApplicationServices.GetServices<AddedStage>().FirstOrDefault(added => added.AddMethod == addMethod) is { } stage
            ? stage.Enabled
            : throw new InvalidOperationException(
                $"Unable to find the services {useMethod}() needs. Call services.{addMethod}() when configuring services (AddComplianceGateway() calls every stage's).");

    /// <exception cref="InvalidOperationException"><paramref name="earlier"/> was not called before <paramref name="useMethod"/>.</exception>
    public static void RequireUsedBefore(this IApplicationBuilder app, string useMethod, string earlier, string because)
    {
        if (!app.Properties.ContainsKey(UsedKeyPrefix + earlier))
        {
            throw new InvalidOperationException($"{useMethod}() needs {earlier}() before it in the pipeline: {because}.");
        }
    }

    /// <exception cref="InvalidOperationException"><c>UseRouting()</c> was not called before <paramref name="useMethod"/>.</exception>
    public static void RequireRouting(this IApplicationBuilder app, string useMethod, string because)
    {
        if (!app.Properties.ContainsKey(RoutingKey))
        {
            throw new InvalidOperationException($"{useMethod}() needs UseRouting() before it in the pipeline: {because}.");
        }
    }

    /// <exception cref="InvalidOperationException"><c>UseRouting()</c> was already called: <paramref name="useMethod"/> must come before it.</exception>
    public static void RequireBeforeRouting(this IApplicationBuilder app, string useMethod, string because)
    {
        if (app.Properties.ContainsKey(RoutingKey))
        {
            throw new InvalidOperationException($"{useMethod}() must come before UseRouting() in the pipeline: {because}.");
        }
    }

    /// <summary>Records that <paramref name="useMethod"/> is in the pipeline (switched off by settings or not), for the stages after it.</summary>
    public static void MarkUsed(this IApplicationBuilder app, string useMethod) => app.Properties[UsedKeyPrefix + useMethod] = true;

    /// <summary>Adds the stage's middleware when settings switch the stage on, and records the stage as in the pipeline either way.</summary>
    public static IApplicationBuilder UseStage<TMiddleware>(this IApplicationBuilder app, string useMethod, bool enabled = true)
    {
        if (enabled)
        {
            app.UseMiddleware<TMiddleware>();
        }
        app.MarkUsed(useMethod);
        return app;
    }

    /// <summary>A stage whose services were added, and whether settings switch it on.</summary>
    private sealed record AddedStage(string AddMethod, bool Enabled);
}
