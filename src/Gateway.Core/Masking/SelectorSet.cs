using System.Text;
using Gateway.Core.Rules;

namespace Gateway.Core.Masking;

/// <summary>
/// Matches a list of selectors incrementally as the masker walks down a body: each frame holds
/// the selectors' positions (NFA states), advanced by one path step per level, so a value's
/// class is known without looking back up the path.
/// </summary>
internal sealed class SelectorSet
{
    private readonly PathStep[][] _steps;
    private readonly byte[]?[][] _names;
    private readonly bool _caseInsensitive;

    public SelectorSet(IEnumerable<JsonPathSelector> selectors, bool caseInsensitive)
    {
        _steps = [.. selectors.Select(s => s.Steps.ToArray())];
        _names = [.. _steps.Select(steps => steps.Select(step => step.Name is null ? null : Encoding.UTF8.GetBytes(step.Name)).ToArray())];
        _caseInsensitive = caseInsensitive;
    }

    public static SelectorSet Empty { get; } = new([], caseInsensitive: false);

    public int Count => _steps.Length;

    /// <summary>States at a record root (or the body root): every selector at its start.</summary>
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
    }

    /// <summary>States after one step down: into a property (<paramref name="name"/>) or an array element (null).</summary>
    public void Advance(List<int> from, ReadOnlySpan<byte> name, bool isElement, List<int> into)
    {
        into.Clear();
        string? nameText = null;
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
                case PathStepKind.AnyElement when isElement:
                    AddClosed(into, s, p + 1);
                    break;
                case PathStepKind.Name when !isElement && NameEquals(s, p, name, ref nameText):
                    AddClosed(into, s, p + 1);
                    break;
            }
        }
    }

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

    private bool NameEquals(int s, int p, ReadOnlySpan<byte> name, ref string? nameText)
    {
        if (!_caseInsensitive)
        {
            return name.SequenceEqual(_names[s][p]);
        }
        nameText ??= Encoding.UTF8.GetString(name);
        return string.Equals(nameText, _steps[s][p].Name, StringComparison.OrdinalIgnoreCase);
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
