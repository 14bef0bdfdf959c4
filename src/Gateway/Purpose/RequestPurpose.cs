namespace Gateway.Purpose;

/// <summary>The purpose a request was accepted for, and where it came from (<c>claim</c>, <c>header</c> or <c>client_default</c>).</summary>
internal sealed record RequestPurpose(string Name, LegalBasis Basis, bool MaskWithoutBasis, string Source);
