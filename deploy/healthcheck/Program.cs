using Gateway.HealthProbe;

using var timeout = new CancellationTokenSource(HealthProbe.Timeout);
return await HealthProbe.RunAsync(Environment.GetEnvironmentVariables(), Console.Out, timeout.Token);
