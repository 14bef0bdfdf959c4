using System.Security.Cryptography;

namespace Gateway.PrivacyConsole;

/// <summary>
/// The key the playground's <c>hash</c> action uses: random for each run of the gateway, never the
/// production key, so a rules editor cannot compute the pseudonyms the CRM's data gets in production.
/// </summary>
internal sealed class PreviewHashKey
{
    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(32);
}
