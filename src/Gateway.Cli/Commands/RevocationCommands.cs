using System.CommandLine;
using System.CommandLine.Parsing;
using Gateway.Core.Identity.Revocation;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>gatewayctl revoke|unrevoke --sub X | --jti Y | --client Z [--for 24h]</c>: the kill switch.
/// Every gateway sharing the Redis applies a change within about a second.
/// </summary>
public static class RevocationCommands
{
    public const int Failed = 1;
    public const int Usage = 2;

    public static Command Revoke(TimeProvider time)
    {
        var command = new Command("revoke", "Deny tokens by subject, token id (jti) or client id, on every gateway sharing the Redis.");
        var target = new TargetOptions(command);
        var duration = new Option<string?>("--for") { Description = "How long, e.g. 90s, 30m, 24h, 7d (default: until unrevoked)." };
        command.Options.Add(duration);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!target.TryGet(parse, out var kind, out var value, error))
            {
                return Usage;
            }
            TimeSpan? lifetime = null;
            if (parse.GetValue(duration) is { } text)
            {
                if (!Durations.TryParse(text, out var parsed))
                {
                    await error.WriteLineAsync($"--for '{text}' is not a duration such as 90s, 30m, 24h or 7d.");
                    return Usage;
                }
                lifetime = parsed;
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(target.Redis)!, error);
            if (redis is null)
            {
                return Failed;
            }
            var now = time.GetUtcNow();
            await new RevocationStore(redis, parse.GetValue(target.Prefix)!).RevokeAsync(kind, value, lifetime, now);
            var until = lifetime is { } d ? $"until {now.Add(d):u}" : "until unrevoked";
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Revoked {Describe(kind)} '{value}' {until}.");
            return 0;
        });
        return command;
    }

    public static Command Unrevoke()
    {
        var command = new Command("unrevoke", "Lift a revocation made with revoke.");
        var target = new TargetOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!target.TryGet(parse, out var kind, out var value, error))
            {
                return Usage;
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(target.Redis)!, error);
            if (redis is null)
            {
                return Failed;
            }
            var removed = await new RevocationStore(redis, parse.GetValue(target.Prefix)!).UnrevokeAsync(kind, value);
            await parse.InvocationConfiguration.Output.WriteLineAsync(removed
                ? $"Lifted the revocation of {Describe(kind)} '{value}'."
                : $"{Describe(kind)} '{value}' was not revoked; nothing changed.");
            return 0;
        });
        return command;
    }

    private static string Describe(RevocationKind kind) => kind switch
    {
        RevocationKind.Subject => "subject",
        RevocationKind.TokenId => "token id",
        _ => "client",
    };

    /// <summary>Exactly one of --sub, --jti and --client, plus --redis and --prefix.</summary>
    private sealed class TargetOptions
    {
        private readonly Option<string?> _subject = new("--sub") { Description = "Every token of this subject (sub claim)." };
        private readonly Option<string?> _tokenId = new("--jti") { Description = "One token, by its jti claim." };
        private readonly Option<string?> _client = new("--client") { Description = "Every token issued to this OAuth client (client_id / azp)." };

        public TargetOptions(Command command)
        {
            command.Options.Add(_subject);
            command.Options.Add(_tokenId);
            command.Options.Add(_client);
            command.Options.Add(Redis);
            command.Options.Add(Prefix);
        }

        public Option<string> Redis { get; } = RedisOptionsForCli.Create();

        public Option<string> Prefix { get; } = new("--prefix")
        {
            Description = "Key prefix (Gateway:Identity:Revocation:KeyPrefix).",
            DefaultValueFactory = _ => "gateway:revocations",
        };

        public bool TryGet(ParseResult parse, out RevocationKind kind, out string value, TextWriter error)
        {
            var given = new[]
            {
                (RevocationKind.Subject, parse.GetValue(_subject)),
                (RevocationKind.TokenId, parse.GetValue(_tokenId)),
                (RevocationKind.Client, parse.GetValue(_client)),
            }.Where(t => !string.IsNullOrWhiteSpace(t.Item2)).ToList();
            if (given.Count != 1)
            {
                error.WriteLine("Name exactly one of --sub, --jti and --client.");
                (kind, value) = (default, string.Empty);
                return false;
            }
            (kind, value) = (given[0].Item1, given[0].Item2!);
            return true;
        }
    }
}
