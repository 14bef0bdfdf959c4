namespace Gateway.Masking.Rules;

/// <summary>A rules file on disk, read and compiled the same way by the gateway and by gatewayctl.</summary>
public static class RulesFiles
{
    /// <summary>Reads and compiles the rules; throws <see cref="RulesException"/> listing every problem.</summary>
    /// <param name="hashKeyFile">The hash action's key file (<c>Gateway:Masking:HashKeyFile</c>), if the rules use it.</param>
    public static CompiledRules Load(string rulesPath, string? hashKeyFile) =>
        RulesCompiler.Compile(File.ReadAllText(rulesPath), HashKey(hashKeyFile));

    /// <summary>The hash action's key; the CLI reads it the same way.</summary>
    public static byte[]? HashKey(string? path) =>
        path is null ? null : SecretKeyFile.Read(path, "Gateway:Masking:HashKeyFile");
}
