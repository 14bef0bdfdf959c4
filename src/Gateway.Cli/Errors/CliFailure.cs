namespace Gateway.Cli.Errors;

/// <summary>
/// A failure a command can explain: what failed, and what to do about it. The invocation pipeline
/// (<see cref="Commands.GatewayCtl.InvokeAsync"/>) prints it as one line and exits with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CliFailure(string whatFailed, string whatToDo, int exitCode = ExitCodes.Failed, Exception? inner = null)
    : Exception($"{whatFailed}; {whatToDo}", inner)
{
    public string WhatFailed { get; } = whatFailed;

    public string WhatToDo { get; } = whatToDo;

    public int ExitCode { get; } = exitCode;

    public static CliFailure Usage(string whatFailed, string whatToDo) => new(whatFailed, whatToDo, ExitCodes.Usage);
}
