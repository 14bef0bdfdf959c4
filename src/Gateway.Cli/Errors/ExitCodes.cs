namespace Gateway.Cli.Errors;

/// <summary>What every gatewayctl command's exit code means (docs/operations.md, gatewayctl).</summary>
internal static class ExitCodes
{
    public const int Done = 0;

    /// <summary>The operation failed or found what it checks for (invalid rules, a broken chain), or Redis or the gateway could not be reached.</summary>
    public const int Failed = 1;

    /// <summary>Wrong arguments: unknown options, bad values, files that do not exist.</summary>
    public const int Usage = 2;

    /// <summary>revoke and unrevoke: the change is stored, but not every live gateway instance confirmed it.</summary>
    public const int NotConfirmed = 3;

    /// <summary>Interrupted (Ctrl+C), as shells report a process ended by SIGINT.</summary>
    public const int Interrupted = 130;
}
