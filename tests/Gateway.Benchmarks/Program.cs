using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Gateway.Benchmarks.RequestGuard.RequestTargetInspectorBenchmarks).Assembly).Run(args);
