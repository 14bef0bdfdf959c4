using System.CommandLine;
using System.CommandLine.Parsing;
using Gateway.Cli.Commands.Audit;
using Gateway.Cli.Commands.Consent;
using Gateway.Cli.Commands.Detector;
using Gateway.Cli.Errors;

namespace Gateway.Cli.Commands;

/// <summary>The command tree of <c>gatewayctl</c>, and the one way it is invoked.</summary>
internal static class GatewayCtl
{
    public static RootCommand Build(TimeProvider? time = null)
    {
        var root = new RootCommand("gatewayctl: operate the Compliance Gateway (masking rules, audit stream, revocation, consent, alerts, containment).");
        root.Subcommands.Add(RulesCommands.Build());
        root.Subcommands.Add(DataMapCommand.Build());
#pragma warning disable RS0030 // The composition root: gatewayctl runs on the system clock unless a test passes its own.
        var clock = time ?? TimeProvider.System;
#pragma warning restore RS0030
        root.Subcommands.Add(new Command("audit", "Read and verify the audit stream in Redis.")
        {
            AuditTailCommand.Build(clock),
            AuditVerifyCommand.Build(),
            AuditSubjectCommand.Build(clock),
            AuditReportCommand.Build(clock),
            AuditProcessingCommand.Build(clock),
        });
        root.Subcommands.Add(ConsentCommands.Build());
        root.Subcommands.Add(RevocationCommands.Revoke(clock));
        root.Subcommands.Add(RevocationCommands.Unrevoke(clock));
        root.Subcommands.Add(AlertCommands.Build(clock));
        root.Subcommands.Add(ContainCommands.Build(clock));
        return root;
    }

    /// <summary>
    /// Parses and runs a command line under one error policy, for every command: a failure is one
    /// line on stderr, <c>gatewayctl: what failed; what to do</c>, and its exit code
    /// (<see cref="ExitCodes"/>); wrong arguments exit 2 with the parser's own message; no stack
    /// trace unless <see cref="FailureMessages.DebugVariable"/> is set.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        configuration ??= new InvocationConfiguration();
        configuration.EnableDefaultExceptionHandler = false;
        var parse = Build(time).Parse(args);
        if (parse.Errors.Count > 0)
        {
            var problems = string.Join(" ", parse.Errors.Select(e => FailureMessages.Sentence(e.Message) + "."));
            await configuration.Error.WriteLineAsync($"gatewayctl: {problems.TrimEnd('.')}; see '{CommandPath(parse.CommandResult)} --help'");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (Exception ex)
        {
            var (line, exitCode) = FailureMessages.Explain(ex);
            await configuration.Error.WriteLineAsync($"gatewayctl: {line}");
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FailureMessages.DebugVariable)))
            {
                await configuration.Error.WriteLineAsync(ex.ToString());
            }
            return exitCode;
        }
    }

    /// <summary>"gatewayctl rules test", for the command the parser got as far as.</summary>
    private static string CommandPath(CommandResult? result)
    {
        var names = new List<string>();
        for (; result is not null; result = result.Parent as CommandResult)
        {
            names.Add(result.Command is RootCommand ? "gatewayctl" : result.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
