using Gateway.Core.Audit;
using Gateway.Core.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Consent;

/// <summary>The subject-id key (from <c>Gateway:Audit:KeyFile</c>): the consent store and the audit events name a subject by the same keyed hash.</summary>
internal sealed class ConsentSubjectKey(IOptions<AuditOptions> audit)
{
    private readonly Lazy<byte[]> _key = new(() => SubjectPseudonymizer.DeriveKey(
        SecretKeyFile.Read(audit.Value.KeyFile ?? throw new InvalidOperationException("Gateway:Audit:KeyFile is required by the consent store."), "Gateway:Audit:KeyFile")));

    /// <summary>A pseudonymizer for one thread; cheap enough per batch of records.</summary>
    public SubjectPseudonymizer Create() => new(_key.Value);
}
