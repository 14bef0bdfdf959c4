using System.CommandLine;
using Gateway.Cli.Commands.Audit;
using Gateway.Cli.Commands.Consent;

namespace Gateway.Cli.Commands;

/// <summary>The command tree of <c>gatewayctl</c>.</summary>
internal static class GatewayCtl
{
    public static RootCommand Build(TimeProvider? time = null)
    {
        var root = new RootCommand("gatewayctl: operate the Compliance Gateway (masking rules, audit stream, revocation, consent).");
        root.Subcommands.Add(RulesCommands.Build());
#pragma warning disable RS0030 // The composition root: gatewayctl runs on the system clock unless a test passes its own.
        var clock = time ?? TimeProvider.System;
#pragma warning restore RS0030
        root.Subcommands.Add(new Command("audit", "Read and verify the audit stream in Redis.")
        {
            AuditTailCommand.Build(clock),
            AuditVerifyCommand.Build(),
            AuditSubjectCommand.Build(clock),
            AuditReportCommand.Build(clock),
        });
        root.Subcommands.Add(ConsentCommands.Build());
        root.Subcommands.Add(RevocationCommands.Revoke(clock));
        root.Subcommands.Add(RevocationCommands.Unrevoke(clock));
        return root;
    }
}
