using System.Net.Sockets;
using StackExchange.Redis;

namespace Gateway.Cli.Errors;

/// <summary>
/// Turns whatever a command throws into the one line gatewayctl prints and the exit code it ends
/// with. Commands throw <see cref="CliFailure"/> where they know better; everything else is
/// explained here by its kind, so that a command added later is covered without knowing of it.
/// </summary>
internal static class FailureMessages
{
    /// <summary>Set (to anything) to get the exception with its stack trace after the line.</summary>
    public const string DebugVariable = "GATEWAYCTL_DEBUG";

    public static (string Line, int ExitCode) Explain(Exception exception) => exception switch
    {
        CliFailure failure => (failure.Message, failure.ExitCode),
        OperationCanceledException => ("interrupted", ExitCodes.Interrupted),
        FileNotFoundException { FileName: { } path } when Path.IsPathRooted(path) =>
            ($"{path} does not exist; check the path", ExitCodes.Usage),
        DirectoryNotFoundException notFound => ($"{Sentence(notFound.Message)}; check the path", ExitCodes.Usage),
        UnauthorizedAccessException denied => ($"{Sentence(denied.Message)}; check the file's permissions, or run as a user who may read it", ExitCodes.Failed),
        RedisTimeoutException timeout => ($"Redis did not answer in time ({Sentence(timeout.Message)}); check that Redis is running and not overloaded, then run the command again", ExitCodes.Failed),
        RedisConnectionException lost => ($"the connection to Redis failed ({lost.FailureType}{Because(lost.InnerException)}); is Redis running? Run the command again", ExitCodes.Failed),
        RedisServerException refused => ($"Redis refused a command: {Sentence(refused.Message)}; check the Redis user's permissions (deploy/redis/users.acl)", ExitCodes.Failed),
        HttpRequestException http => ($"{Sentence(http.Message)}{Because(http.InnerException)}; check the URL, and that the gateway is running", ExitCodes.Failed),
        IOException io => ($"{Sentence(io.Message)}; check the file or connection named", ExitCodes.Failed),
        _ => ($"unexpected {exception.GetType().Name}: {Sentence(exception.Message)}; set {DebugVariable}=1 for the details, and report it", ExitCodes.Failed),
    };

    /// <summary>The first line of a message, without its final period (the line goes on after it).</summary>
    public static string Sentence(string message)
    {
        var line = message.AsSpan();
        var end = line.IndexOfAny('\r', '\n');
        if (end >= 0)
        {
            line = line[..end];
        }
        return line.Trim().TrimEnd('.').ToString();
    }

    /// <summary>", because …" for the innermost socket error, which says more than the wrappers around it.</summary>
    private static string Because(Exception? inner)
    {
        for (var cause = inner; cause is not null; cause = cause.InnerException)
        {
            if (cause is SocketException socket)
            {
                return $": {Sentence(socket.Message)}";
            }
        }
        return string.Empty;
    }
}
