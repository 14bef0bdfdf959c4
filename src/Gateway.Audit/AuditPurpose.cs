namespace Gateway.Audit;

/// <summary>The purpose a request was accepted for, its legal basis (<c>consent</c>, <c>contract</c>, ...) and where it came from (<c>claim</c>, <c>header</c> or <c>client_default</c>).</summary>
public sealed record AuditPurpose(string Name, string Basis, string Source);
