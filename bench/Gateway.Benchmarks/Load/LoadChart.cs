using ScottPlot;

namespace Gateway.Benchmarks.Load;

/// <summary>The chart of docs/performance.md: each variant's requests/s as a share of the baseline's (bare YARP's), per body, with the 70% target drawn in.</summary>
internal static class LoadChart
{
    public static void Save(LoadPlan plan, LoadResults results, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bodies = plan.ThroughputBodies.ToList();
        var ticks = new List<Tick>();
        for (var g = 0; g < bodies.Count; g++)
        {
            for (var v = 0; v < plan.Variants.Count; v++)
            {
                var share = 100 * LoadReport.ShareOfBaseline(results, plan.Variants[v].Name, plan.Baseline.Name, bodies[g]);
                if (!double.IsNaN(share))
                {
                    plot.Add.Bar(new Bar { Position = (g * (plan.Variants.Count + 1)) + v, Value = share, FillColor = palette.GetColor(v), Label = $"{share:F0}" });
                }
            }
            ticks.Add(new Tick((g * (plan.Variants.Count + 1)) + ((plan.Variants.Count - 1) / 2.0), $"{bodies[g].Name} responses"));
        }
        plot.Legend.ManualItems.AddRange(plan.Variants.Select((v, i) => new LegendItem { LabelText = v.Name, FillColor = palette.GetColor(i) }));
        if (plan.Baseline == LoadVariant.BareYarp)
        {
            var target = plot.Add.HorizontalLine(70);
            target.LinePattern = LinePattern.Dashed;
            target.Color = Colors.Black;
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "target: full gateway >= 70% (1 KB)", LineColor = Colors.Black, LinePattern = LinePattern.Dashed, LineWidth = 1 });
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.YLabel($"requests/s, % of {plan.Baseline.Name}'s in the same round (median)");
        plot.Title($"Compliance Gateway under load: each variant against {plan.Baseline.Name}");
        plot.SavePng(path, 1200, 560);
    }
}
