using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Gateway.Audit;

/// <summary>Consent decisions counted by kind (decision and reason): a handful of kinds, however many records.</summary>
public sealed class DecisionTally
{
    private static readonly ConcurrentDictionary<(string Decision, string Reason), string> Keys = new();
    private readonly List<(string Decision, string Reason, int Count)> _kinds = [];

    /// <summary>
    /// The name a kind is counted under in audit events, <c>decision:reason</c>. Made once per kind
    /// for the process (decisions and reasons are a small fixed set), not once per event.
    /// </summary>
    internal static string Key(string decision, string reason) =>
        Keys.GetOrAdd((decision, reason), static kind => $"{kind.Decision}:{kind.Reason}");

    /// <summary>Every kind met so far, in the order first met, with how often.</summary>
    public IReadOnlyList<(string Decision, string Reason, int Count)> Kinds => _kinds;

    public void Clear() => _kinds.Clear();

    /// <summary>Counts one decision; returns its kind's index in <see cref="Kinds"/>.</summary>
    public int Add(string decision, string reason)
    {
        var kinds = CollectionsMarshal.AsSpan(_kinds);
        for (var i = 0; i < kinds.Length; i++)
        {
            if (kinds[i].Decision == decision && kinds[i].Reason == reason)
            {
                kinds[i].Count++;
                return i;
            }
        }
        _kinds.Add((decision, reason, 1));
        return _kinds.Count - 1;
    }
}
