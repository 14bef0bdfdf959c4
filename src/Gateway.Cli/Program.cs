using Gateway.Cli.Commands;

return await GatewayCtl.InvokeAsync(args);
