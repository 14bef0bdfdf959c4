using System.Text;
using Gateway.Core.Rules;

namespace Gateway.Core.ResponseMasking;

public static class RulesFiles
{
    /// <summary>Reads and compiles the rules; throws <see cref="RulesException"/> listing every problem.</summary>
    internal static CompiledRules Load(MaskingOptions options) =>
        RulesCompiler.Compile(File.ReadAllText(options.RulesPath!), HashKey(options.HashKeyFile));

    /// <summary>The hash action's key from its file: base64, or the raw text; at least 32 bytes. The CLI reads it the same way.</summary>
    public static byte[]? HashKey(string? path)
    {
        if (path is null)
        {
            return null;
        }
        var text = File.ReadAllText(path).Trim();
        var key = IsBase64(text, out var decoded) ? decoded : Encoding.UTF8.GetBytes(text);
        return key.Length >= 32 ? key : throw new InvalidOperationException($"Gateway:Masking:HashKeyFile: '{path}' holds fewer than 32 bytes of key.");
    }

    private static bool IsBase64(string text, out byte[] decoded)
    {
        decoded = new byte[text.Length];
        return Convert.TryFromBase64String(text, decoded, out var length) && (decoded = decoded[..length]).Length > 0;
    }
}
