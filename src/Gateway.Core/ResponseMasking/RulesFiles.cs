using Gateway.Core.Hosting;
using Gateway.Core.Rules;

namespace Gateway.Core.ResponseMasking;

public static class RulesFiles
{
    /// <summary>Reads and compiles the rules; throws <see cref="RulesException"/> listing every problem.</summary>
    internal static CompiledRules Load(MaskingOptions options) =>
        RulesCompiler.Compile(File.ReadAllText(options.RulesPath!), HashKey(options.HashKeyFile));

    /// <summary>The hash action's key; the CLI reads it the same way.</summary>
    public static byte[]? HashKey(string? path) =>
        path is null ? null : SecretKeyFile.Read(path, "Gateway:Masking:HashKeyFile");
}
