using Gateway.Cli.Commands;

return await GatewayCtl.Build().Parse(args).InvokeAsync();
