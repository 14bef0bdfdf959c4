using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Masking.Actions;

namespace Gateway.Benchmarks.Masking;

/// <summary>
/// The actions that keep, cut or count characters, on one value each: plain ASCII (the common
/// case, one character per byte) and text with accents and emoji (counted in text elements).
/// Target: ASCII costs what it did before text elements were counted.
/// </summary>
[MemoryDiagnoser]
public class MaskingActionBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private MaskedValueWriter _writer = null!;
    private ValueMask _partial = null!;
    private ValueMask _prefix = null!;
    private ValueMask _email = null!;
    private byte[] _text = [];
    private byte[] _address = [];

    [Params("ascii", "non-ascii")]
    public string Text { get; set; } = "ascii";

    [GlobalSetup]
    public void SetUp()
    {
        var context = new ActionContext([], null);
        _partial = Create("partial", new() { ["keep_first"] = "2", ["keep_last"] = "4" }, context);
        _prefix = Create("generalize", new() { ["to"] = "prefix", ["size"] = "5" }, context);
        _email = Create("email", [], context);
        _writer = new MaskedValueWriter(_output);
        (_text, _address) = Text == "ascii"
            ? (Encoding.UTF8.GetBytes("155 Analytical Way, Lakeside"), Encoding.UTF8.GetBytes("ada.lovelace@example.com"))
            : (Encoding.UTF8.GetBytes("1 \U0001F600 Zoë Ünal Straße, Köln \U0001F1E9\U0001F1EA"), Encoding.UTF8.GetBytes("\u00E9mile.zola@example.com"));
    }

    [Benchmark]
    public int Partial() => Write(_partial, _text);

    [Benchmark]
    public int GeneralizePrefix() => Write(_prefix, _text);

    [Benchmark]
    public int Email() => Write(_email, _address);

    private int Write(ValueMask mask, byte[] value)
    {
        _output.ResetWrittenCount();
        mask.Write(_writer, new JsonScalar(JsonScalarKind.String, value));
        return _output.WrittenCount;
    }

    private static ValueMask Create(string action, Dictionary<string, string> parameters, ActionContext context) =>
        MaskingActions.ByName[action].Create(parameters, context, error => throw new InvalidOperationException(error));
}
