using System.Text;

namespace Gateway.Masking;

/// <summary>
/// A secret key kept in a file (mounted from a secret store): base64, or the raw text; at least
/// 32 bytes. The gateway and gatewayctl read every key file the same way, so hashes they compute agree.
/// </summary>
public static class SecretKeyFile
{
    internal const int MinimumBytes = 32;

    /// <param name="setting">The setting that names the file, quoted in the error.</param>
    /// <exception cref="InvalidOperationException">The file holds fewer than <see cref="MinimumBytes"/> bytes of key.</exception>
    public static byte[] Read(string path, string setting)
    {
        var text = File.ReadAllText(path).Trim();
        var key = IsBase64(text, out var decoded) ? decoded : Encoding.UTF8.GetBytes(text);
        return key.Length >= MinimumBytes ? key : throw new InvalidOperationException($"{setting}: '{path}' holds fewer than {MinimumBytes} bytes of key.");
    }

    private static bool IsBase64(string text, out byte[] decoded)
    {
        decoded = new byte[text.Length];
        return Convert.TryFromBase64String(text, decoded, out var length) && (decoded = decoded[..length]).Length > 0;
    }
}
