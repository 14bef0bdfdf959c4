using System.Globalization;

namespace Gateway.Detector;

/// <summary>
/// A distribution of non-negative counts in logarithmic bins (four per doubling, so a percentile
/// is within 19% of the true value), small enough to keep per principal and to explain: "this
/// principal's 99th percentile is 40". Older samples fade: once it holds
/// <see cref="MaxWeight"/> samples, every bin is halved, so a principal's new normal takes over
/// within weeks.
/// </summary>
internal sealed class Histogram
{
    public const double MaxWeight = 4000;
    private const int Bins = 130;
    private readonly double[] _weights = new double[Bins];

    /// <summary>Samples added, faded as they age.</summary>
    public double Count { get; private set; }

    public void Add(long value)
    {
        _weights[Bin(value)]++;
        Count++;
        if (Count >= MaxWeight)
        {
            for (var i = 0; i < Bins; i++)
            {
                _weights[i] /= 2;
            }
            Count /= 2;
        }
    }

    /// <summary>The upper edge of the bin holding the <paramref name="quantile"/> of the samples; 0 without samples.</summary>
    public long Percentile(double quantile)
    {
        if (Count <= 0)
        {
            return 0;
        }
        var target = quantile * Count;
        double seen = 0;
        for (var i = 0; i < Bins; i++)
        {
            seen += _weights[i];
            if (seen >= target && _weights[i] > 0)
            {
                return UpperEdge(i);
            }
        }
        return UpperEdge(Bins - 1);
    }

    /// <summary>Bin 0 holds 0; bin i &gt; 0 holds values below 2^(i/4).</summary>
    internal static int Bin(long value) =>
        value <= 0 ? 0 : Math.Min(Bins - 1, 1 + (int)Math.Floor(4 * Math.Log2(value)));

    internal static long UpperEdge(int bin) => bin == 0 ? 0 : (long)Math.Floor(Math.Pow(2, bin / 4.0));

    /// <summary>Non-empty bins as <c>bin:weight</c> pairs, for the baseline's JSON.</summary>
    public string Save() => string.Join(',', Enumerable.Range(0, Bins).Where(i => _weights[i] > 0)
        .Select(i => $"{i}:{_weights[i].ToString("0.###", CultureInfo.InvariantCulture)}"));

    public static Histogram Load(string? saved)
    {
        var histogram = new Histogram();
        foreach (var pair in (saved ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(':');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var bin) && bin is >= 0 and < Bins
                && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var weight) && weight > 0)
            {
                histogram._weights[bin] += weight;
                histogram.Count += weight;
            }
        }
        return histogram;
    }
}
