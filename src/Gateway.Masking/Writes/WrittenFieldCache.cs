using System.Collections.Concurrent;
using Gateway.Masking.Rules;

namespace Gateway.Masking.Writes;

/// <summary>
/// The report entries of fields already met, by their (path, class) hash, for one rules version:
/// the same fields are written request after request, and making a path's text (unescaping each
/// name of it) costs more than judging it. Bounded: once full, entries are made per request again.
/// </summary>
internal sealed class WrittenFieldCache(CompiledRules rules)
{
    private const int MaxEntries = 4096;
    private readonly ConcurrentDictionary<ulong, WrittenField> _fields = new();

    public CompiledRules Rules { get; } = rules;

    public bool TryGet(ulong key, out WrittenField field) => _fields.TryGetValue(key, out field!);

    public void Add(ulong key, WrittenField field)
    {
        if (_fields.Count < MaxEntries)
        {
            _fields.TryAdd(key, field);
        }
    }
}
