using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// A list of selectors as a nondeterministic automaton: a state is a selector and its position
/// (<c>selector &lt;&lt; 8 | step</c>), advanced by one path step per level. Only
/// <see cref="PathAutomaton"/> walks it, once per rules version, to build the deterministic
/// states the masker uses.
/// </summary>
internal sealed class SelectorSet(IReadOnlyList<JsonPathSelector> selectors)
{
    private readonly PathStep[][] _steps = [.. selectors.Select(s => s.Steps.ToArray())];

    public int Count => _steps.Length;

    /// <summary>States at a record root (or the body root): every selector (or those <paramref name="include"/> picks) at its start.</summary>
    public void Seed(List<int> into, Func<int, bool>? include = null)
    {
        into.Clear();
        for (var s = 0; s < _steps.Length; s++)
        {
            if (include is null || include(s))
            {
                AddClosed(into, s, 0);
            }
        }
        into.Sort();
    }

    /// <summary>States after one step down: into a property whose name <paramref name="nameMatches"/> tells apart, or an array element (null).</summary>
    public List<int> Advance(List<int> from, Func<string, bool>? nameMatches)
    {
        var into = new List<int>();
        foreach (var state in from)
        {
            var (s, p) = (state >> 8, state & 0xff);
            if (p >= _steps[s].Length)
            {
                continue;
            }
            var step = _steps[s][p];
            switch (step.Kind)
            {
                case PathStepKind.AnyDepth:
                    AddClosed(into, s, p);
                    break;
                case PathStepKind.AnyElement when nameMatches is null:
                    AddClosed(into, s, p + 1);
                    break;
                case PathStepKind.Name when nameMatches is not null && nameMatches(step.Name!):
                    AddClosed(into, s, p + 1);
                    break;
            }
        }
        into.Sort();
        return into;
    }

    /// <summary>The property names that can move any of <paramref name="states"/> forward.</summary>
    public IEnumerable<string> Names(List<int> states) =>
        states.Select(state => (s: state >> 8, p: state & 0xff))
            .Where(x => x.p < _steps[x.s].Length && _steps[x.s][x.p].Kind == PathStepKind.Name)
            .Select(x => _steps[x.s][x.p].Name!);

    /// <summary>The selectors that can still match a path below this one (steps left to take), each once.</summary>
    public IEnumerable<int> Unfinished(List<int> states) =>
        states.Select(state => (s: state >> 8, p: state & 0xff)).Where(x => x.p < _steps[x.s].Length).Select(x => x.s).Distinct();

    /// <summary>The first selector (in rules order) that has matched the whole path, or -1.</summary>
    public int FirstAccepting(List<int> states)
    {
        var best = -1;
        foreach (var state in states)
        {
            var (s, p) = (state >> 8, state & 0xff);
            if (p == _steps[s].Length && (best < 0 || s < best))
            {
                best = s;
            }
        }
        return best;
    }

    private void AddClosed(List<int> into, int s, int p)
    {
        var state = (s << 8) | p;
        if (into.Contains(state))
        {
            return;
        }
        into.Add(state);
        if (p < _steps[s].Length && _steps[s][p].Kind == PathStepKind.AnyDepth)
        {
            AddClosed(into, s, p + 1);
        }
    }
}
