using Gateway.Audit;
using Gateway.Masking;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

/// <summary>The subject-id key (from <c>Gateway:Audit:KeyFile</c>): the consent store and the audit events name a subject by the same keyed hash.</summary>
internal sealed class ConsentSubjectKey : IDisposable
{
    private readonly Lazy<byte[]> _key;

    /// <summary>
    /// One keyed HMAC per thread, made once: keying a new one for every response cost more than
    /// the rest of a one-record response's consent check.
    /// </summary>
    private readonly ThreadLocal<SubjectPseudonymizer> _perThread;

    public ConsentSubjectKey(IOptions<AuditOptions> audit)
    {
        _key = new(() => SubjectPseudonymizer.DeriveKey(
            SecretKeyFile.Read(audit.Value.KeyFile ?? throw new InvalidOperationException("Gateway:Audit:KeyFile is required by the consent store."), "Gateway:Audit:KeyFile")));
        _perThread = new(() => new SubjectPseudonymizer(_key.Value), trackAllValues: true);
    }

    /// <summary>The subject's keyed hash, as the consent store and audit events hold it.</summary>
    public string Pseudonym(string subjectId) => _perThread.Value!.Pseudonym(subjectId);

    /// <summary>The same keyed hash as a value, from the id's UTF-8 bytes.</summary>
    public SubjectHash Hash(ReadOnlySpan<byte> subjectIdUtf8) => _perThread.Value!.Hash(subjectIdUtf8);

    public void Dispose()
    {
        foreach (var pseudonymizer in _perThread.Values)
        {
            pseudonymizer.Dispose();
        }
        _perThread.Dispose();
    }
}
