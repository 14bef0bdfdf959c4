
namespace Gateway.Masking;

/// <summary>
/// Decides, a batch of records at a time, which records of a masked body may leave as masked,
/// which are removed and which are masked further (the consent stage implements it). The masker
/// holds each batch back until the gate has answered, so one decision costs one round trip for
/// many records, and nothing undecided is ever sent.
/// </summary>
public interface IRecordGate
{
    /// <summary>The request's purpose: only consent fields mapped to it are read from records.</summary>
    string Purpose { get; }

    /// <summary>Held output beyond which the masker asks for decisions as soon as no record is open.</summary>
    int BatchBytes { get; }

    /// <summary>Held records beyond which the masker asks for decisions as soon as no record is open.</summary>
    int BatchRecords { get; }

    /// <summary>
    /// The subject's keyed hash, from its id's UTF-8 bytes (a string's unescaped value, any other
    /// value's JSON text). The masker keys each subject id once, as it reads it: the gate decides
    /// by that hash and the audit event names the subject by it, so no id is hashed twice.
    /// </summary>
    SubjectHash Key(ReadOnlySpan<byte> subjectIdUtf8);

    /// <param name="records">The batch's records; the list is reused for the next batch, so it must not be kept.</param>
    /// <returns>One verdict per record, in order.</returns>
    ValueTask<RecordVerdict[]> DecideAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken);
}

/// <summary>What the masker learnt about one record (one that holds no other record) while masking it.</summary>
/// <param name="Subject">The keyed hash (<see cref="IRecordGate.Key"/>) of the value at the entity's subject selector, or null when the record has none.</param>
/// <param name="Signal">What the record's own consent fields say about the request's purpose.</param>
/// <param name="Classified">The record holds at least one classified field.</param>
/// <param name="Single">The record is the whole body: it cannot be removed from a list, only refused or masked.</param>
public readonly record struct RecordFacts(SubjectHash? Subject, ConsentSignal Signal, bool Classified, bool Single)
{
    /// <summary>Values of high-sensitivity classes the record holds that leave in clear for this caller (quotas count them).</summary>
    public int ClearHighValues { get; init; }
}

/// <summary>A record's own consent fields, combined: any refusal outweighs any agreement.</summary>
public enum ConsentSignal
{
    None,
    Granted,
    Withdrawn,
}

public enum RecordVerdict
{
    /// <summary>Leaves as the caller's role may see it.</summary>
    Keep,

    /// <summary>Disappears from its list (or, for a single record, the response is refused).</summary>
    Remove,

    /// <summary>Leaves with every classified field redacted.</summary>
    Mask,
}

/// <summary>The body is a single record the gate removed: there is nothing lawful to send (HTTP 451).</summary>
public sealed class RecordWithheldException() : Exception("The record may not leave for this purpose.");
