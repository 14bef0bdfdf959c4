using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Infrastructure;

internal static class StartupFailures
{
    /// <summary>Starts <paramref name="gateway"/>, which must fail on its configuration, and returns every problem it named.</summary>
    public static async Task<IReadOnlyList<string>> Of(GatewayUnderTest gateway)
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => gateway.StartAsync());
        return Flatten(exception).ToList();
    }

    private static IEnumerable<string> Flatten(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Flatten),
        _ => throw new Xunit.Sdk.XunitException($"Expected a configuration failure, got {exception}"),
    };
}
