using System.Text;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// Every selector of an entity (records, fields, subject, consent fields, totals) compiled into
/// one deterministic automaton over the path from the body's root, built once per rules version.
/// The masker keeps one state number per level and takes one transition per value: the names
/// that matter at a state are a short list, every other name shares one transition, and below
/// anything no selector reaches the state is a sink that leads to itself.
/// </summary>
internal sealed class PathAutomaton
{
    /// <summary>More states than this means selectors whose <c>**</c> steps multiply; refused when the rules are compiled.</summary>
    public const int MaxStates = 4096;

    private const int Records = 0, Fields = 1, Subject = 2, Consent = 3, Totals = 4;

    private readonly PathState[] _states;
    private readonly bool _caseInsensitive;

    private PathAutomaton(PathState[] states, bool caseInsensitive)
    {
        _states = states;
        _caseInsensitive = caseInsensitive;
    }

    /// <summary>The state of the body's root value (and of the frame above it).</summary>
    public const int Root = 0;

    public PathState this[int state] => _states[state];

    public int StateCount => _states.Length;

    /// <summary>The state one step below <paramref name="from"/>: into an array element, or into the property <paramref name="name"/> (unescaped UTF-8).</summary>
    public int Next(int from, bool isElement, ReadOnlySpan<byte> name)
    {
        var state = _states[from];
        if (isElement)
        {
            return state.Element;
        }
        var names = state.Names;
        if (!_caseInsensitive)
        {
            for (var i = 0; i < names.Length; i++)
            {
                var candidate = names[i];
                // Length and last byte first: most names differ there, without a call.
                if (candidate.Length == name.Length && (name.IsEmpty || candidate[^1] == name[^1]) && name.SequenceEqual(candidate))
                {
                    return state.NameNext[i];
                }
            }
            return state.OtherName;
        }
        return NextIgnoringCase(state, name);
    }

    private static int NextIgnoringCase(PathState state, ReadOnlySpan<byte> name)
    {
        if (state.Names.Length == 0)
        {
            return state.OtherName;
        }
        if (state.AsciiNames && Ascii.IsValid(name))
        {
            for (var i = 0; i < state.Names.Length; i++)
            {
                if (Ascii.EqualsIgnoreCase(name, state.Names[i]))
                {
                    return state.NameNext[i];
                }
            }
            return state.OtherName;
        }
        var text = Encoding.UTF8.GetString(name);
        for (var i = 0; i < state.Names.Length; i++)
        {
            if (string.Equals(text, state.NameTexts[i], StringComparison.OrdinalIgnoreCase))
            {
                return state.NameNext[i];
            }
        }
        return state.OtherName;
    }

    /// <summary>Builds every reachable state, or returns null with the reason when there would be more than <see cref="MaxStates"/>.</summary>
    public static PathAutomaton? Build(CompiledEntity entity, out string? error)
    {
        SelectorSet[] sets =
        [
            new(entity.Records),
            new(entity.Fields.Select(f => f.Selector).ToList()),
            new(entity.Subject is null ? [] : [entity.Subject]),
            new(entity.ConsentFields.Select(f => f.Selector).ToList()),
            new(entity.Totals),
        ];
        var builder = new Builder(sets, [.. entity.Fields.Select(f => f.ClassIndex)], [.. entity.Fields.Select(f => f.Selector.Anywhere)],
            entity.CaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        var root = new List<int>[sets.Length];
        for (var set = 0; set < sets.Length; set++)
        {
            root[set] = [];
        }
        sets[Records].Seed(root[Records]);
        sets[Fields].Seed(root[Fields], s => entity.Fields[s].Selector.Anywhere);
        sets[Totals].Seed(root[Totals]);
        if (!builder.Run(root))
        {
            error = $"its selectors make more than {MaxStates} distinct path states (too many ** steps combined); simplify them.";
            return null;
        }
        error = null;
        return new PathAutomaton([.. builder.States], entity.CaseInsensitive);
    }

    /// <summary>Subset construction over the five selector sets, breadth first from the body's root.</summary>
    private sealed class Builder(SelectorSet[] sets, int[] fieldClasses, bool[] fieldAnywhere, StringComparer names)
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<List<int>[]> _contents = [];
        private readonly Queue<int> _pending = new();

        public List<PathState> States { get; } = [];

        public bool Run(List<int>[] root)
        {
            if (Intern(root) < 0)
            {
                return false;
            }
            while (_pending.TryDequeue(out var id))
            {
                if (!Complete(id))
                {
                    return false;
                }
            }
            return true;
        }

        private bool Complete(int id)
        {
            var content = _contents[id];
            var state = States[id];
            var literals = Enumerable.Range(0, sets.Length).SelectMany(set => sets[set].Names(content[set])).Distinct(names).ToArray();
            state.NameTexts = literals;
            state.Names = [.. literals.Select(Encoding.UTF8.GetBytes)];
            state.AsciiNames = literals.All(literal => Ascii.IsValid(literal));
            state.NameNext = new int[literals.Length];
            for (var i = 0; i < literals.Length; i++)
            {
                var literal = literals[i];
                if ((state.NameNext[i] = Intern(Step(content, name => names.Equals(name, literal)))) < 0)
                {
                    return false;
                }
            }
            state.OtherName = Intern(Step(content, _ => false));
            state.Element = Intern(Step(content, null));
            if (state.IsRecord)
            {
                // Inside a record, its field, subject and consent selectors start again from the record's own root ($).
                var recordRoot = (List<int>[])content.Clone();
                foreach (var set in (int[])[Fields, Subject, Consent])
                {
                    recordRoot[set] = [];
                    sets[set].Seed(recordRoot[set]);
                }
                state.RecordRoot = Intern(recordRoot);
            }
            return state.OtherName >= 0 && state.Element >= 0 && (!state.IsRecord || state.RecordRoot >= 0);
        }

        private List<int>[] Step(List<int>[] content, Func<string, bool>? nameMatches) =>
            [.. Enumerable.Range(0, sets.Length).Select(set => sets[set].Advance(content[set], nameMatches))];

        private int Intern(List<int>[] content)
        {
            var key = string.Join('|', content.Select(states => string.Join(',', states)));
            if (_ids.TryGetValue(key, out var id))
            {
                return id;
            }
            if (States.Count == MaxStates)
            {
                return -1;
            }
            id = States.Count;
            _ids[key] = id;
            _contents.Add(content);
            States.Add(new PathState
            {
                IsRecord = sets[Records].FirstAccepting(content[Records]) >= 0,
                FieldClass = sets[Fields].FirstAccepting(content[Fields]) is var field and >= 0 ? fieldClasses[field] : -1,
                IsSubject = sets[Subject].FirstAccepting(content[Subject]) >= 0,
                ConsentField = sets[Consent].FirstAccepting(content[Consent]),
                IsTotal = sets[Totals].FirstAccepting(content[Totals]) >= 0,
                Erasable = [.. sets[Fields].Unfinished(content[Fields]).Where(s => !fieldAnywhere[s]).Select(s => fieldClasses[s]).Distinct().Order()],
            });
            _pending.Enqueue(id);
            return id;
        }
    }
}

/// <summary>One state of a <see cref="PathAutomaton"/>: where its transitions lead and what the value at this path is.</summary>
internal sealed class PathState
{
    /// <summary>The property names that lead somewhere particular (UTF-8), with <see cref="NameNext"/> alongside.</summary>
    public byte[][] Names { get; set; } = [];

    public string[] NameTexts { get; set; } = [];

    public bool AsciiNames { get; set; }

    public int[] NameNext { get; set; } = [];

    /// <summary>Where any other property name leads.</summary>
    public int OtherName { get; set; }

    public int Element { get; set; }

    /// <summary>For a record: the state of its object, where field selectors start again (-1 otherwise).</summary>
    public int RecordRoot { get; set; } = -1;

    public bool IsRecord { get; init; }

    /// <summary>The class of the first field selector (rules order) matching this path, or -1.</summary>
    public int FieldClass { get; init; }

    public bool IsSubject { get; init; }

    /// <summary>The first consent field matching this path, or -1.</summary>
    public int ConsentField { get; init; }

    public bool IsTotal { get; init; }

    /// <summary>
    /// The classes a field selector places strictly below this path (<c>**.name</c> selectors
    /// aside, which place theirs below every path): what a write that replaces the value here
    /// (an array, a null, a JSON Patch operation) may erase.
    /// </summary>
    public int[] Erasable { get; init; } = [];
}
