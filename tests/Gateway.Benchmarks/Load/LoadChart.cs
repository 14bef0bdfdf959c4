using ScottPlot;

namespace Gateway.Benchmarks.Load;

/// <summary>The chart of docs/performance.md: each variant's requests/s as a share of bare YARP's, per body size, with the 70% target drawn in.</summary>
internal static class LoadChart
{
    public static void Save(LoadPlan plan, LoadResults results, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var variants = plan.Variants.Where(v => results.Throughput.Any(m => m.Variant == v.Name)).ToList();
        var ticks = new List<Tick>();
        for (var g = 0; g < plan.Bodies.Count; g++)
        {
            var body = plan.Bodies[g];
            var bare = LoadReport.MedianRps(results, LoadVariants.BareYarp, body);
            for (var v = 0; v < variants.Count; v++)
            {
                var share = 100 * LoadReport.MedianRps(results, variants[v], body) / bare;
                if (double.IsNaN(share))
                {
                    continue;
                }
                plot.Add.Bar(new Bar { Position = (g * (variants.Count + 1)) + v, Value = share, FillColor = palette.GetColor(v), Label = $"{share:F0}" });
            }
            ticks.Add(new Tick((g * (variants.Count + 1)) + ((variants.Count - 1) / 2.0), $"{body.Name} responses"));
        }
        var target = plot.Add.HorizontalLine(70);
        target.LinePattern = LinePattern.Dashed;
        target.Color = Colors.Black;
        plot.Legend.ManualItems.AddRange(variants.Select((v, i) => new LegendItem { LabelText = v.Name, FillColor = palette.GetColor(i) }));
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "target: full >= 70% (1 KB)", LineColor = Colors.Black, LinePattern = LinePattern.Dashed, LineWidth = 1 });
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("requests/s, % of bare YARP (median of rounds)");
        plot.Title("Compliance Gateway under load: each variant against bare YARP");
        plot.SavePng(path, 1200, 560);
    }
}
