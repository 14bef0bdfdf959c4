using System.Globalization;
using System.Text;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// Follows where the masker is in the body as a JSON Pointer (RFC 6901) and notes every value it
/// rewrites or removes, with the class and action that did it. Only a preview asks for one: the
/// proxy passes none, so its masking walks no pointers and allocates nothing for them.
/// </summary>
internal sealed class ChangeTrail(IReadOnlyList<string> classes, MaskingView view)
{
    private readonly List<Container> _containers = [];
    private string _current = "";

    public List<MaskedChange> Changes { get; } = [];

    /// <summary>The value about to be read sits below the innermost open container: under <paramref name="name"/> (unescaped UTF-8) in an object, at the next index in an array.</summary>
    public void Enter(ReadOnlySpan<byte> name)
    {
        if (_containers.Count == 0)
        {
            _current = "";
            return;
        }
        var parent = _containers[^1];
        string segment;
        if (parent.IsArray)
        {
            segment = parent.NextIndex.ToString(CultureInfo.InvariantCulture);
            parent.NextIndex++;
        }
        else
        {
            segment = Encoding.UTF8.GetString(name).Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
        }
        _current = $"{parent.Pointer}/{segment}";
    }

    /// <summary>The value just entered is a container that stays: what follows is inside it.</summary>
    public void Open(bool isArray) => _containers.Add(new Container(_current, isArray));

    public void Close() => _containers.RemoveAt(_containers.Count - 1);

    /// <param name="countIndex">The class index, or the view's index for unclassified record fields.</param>
    public void Changed(int countIndex, bool removed)
    {
        var (dataClass, action) = countIndex < classes.Count
            ? (classes[countIndex], view.Actions[countIndex])
            : (CompiledRules.Unclassified, view.UnclassifiedAction);
        Changes.Add(new MaskedChange(_current, dataClass, action, removed));
    }

    private sealed class Container(string pointer, bool isArray)
    {
        public string Pointer { get; } = pointer;

        public bool IsArray { get; } = isArray;

        public int NextIndex { get; set; }
    }
}

/// <summary>One value the masker rewrote or removed: where it was in the original body (a JSON Pointer), its data class, and the action applied.</summary>
public sealed record MaskedChange(string Pointer, string DataClass, string Action, bool Removed);

/// <summary>What a preview of the masker did: the report the audit event would carry, and every value it changed.</summary>
public sealed record MaskingPreview(MaskingReport Report, IReadOnlyList<MaskedChange> Changes);
