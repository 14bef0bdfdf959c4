using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Gateway;

/// <summary>Turns a failed start into a short list of what to fix and a non-zero exit code, instead of a stack trace.</summary>
internal static class StartupFailure
{
    public const int InvalidConfiguration = 2;
    public const int CannotListen = 3;

    public static async Task<int> RunGuardedAsync(Func<Task> start)
    {
        try
        {
            await start();
            return 0;
        }
        catch (Exception ex) when (Problems(ex).ToList() is { Count: > 0 } problems)
        {
            Console.Error.WriteLine("The gateway did not start; the configuration is invalid:");
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"  - {problem}");
            }
            return InvalidConfiguration;
        }
        catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"The gateway did not start: {ex.Message}");
            Console.Error.WriteLine("Another process holds the port; choose others with --Gateway:Transport:Proxy:Port=N and --Gateway:Transport:Admin:Port=N.");
            return CannotListen;
        }
    }

    private static IEnumerable<string> Problems(Exception ex) => ex switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Problems),
        InvalidOperationException invalid when invalid.Message.StartsWith("Gateway:", StringComparison.Ordinal) => [invalid.Message],
        // The configuration binder's own failure: a value that is not of its setting's type ("abc" for a port, "flase" for a switch).
        InvalidOperationException { InnerException: FormatException or ArgumentException } conversion => [conversion.Message],
        _ when ex.InnerException is { } inner => Problems(inner),
        _ => [],
    };
}
