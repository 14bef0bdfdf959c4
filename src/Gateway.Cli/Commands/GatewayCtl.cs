using System.CommandLine;
using Gateway.Cli.Commands.Audit;
using Gateway.Cli.Commands.Consent;
using Gateway.Cli.Commands.Detector;

namespace Gateway.Cli.Commands;

/// <summary>The command tree of <c>gatewayctl</c>.</summary>
internal static class GatewayCtl
{
    public static RootCommand Build(TimeProvider? time = null)
    {
        var root = new RootCommand("gatewayctl: operate the Compliance Gateway (masking rules, audit stream, revocation, consent, alerts, containment).");
        root.Subcommands.Add(RulesCommands.Build());
        var clock = time ?? TimeProvider.System;
        root.Subcommands.Add(new Command("audit", "Read and verify the audit stream in Redis.")
        {
            AuditTailCommand.Build(),
            AuditVerifyCommand.Build(),
            AuditSubjectCommand.Build(clock),
            AuditReportCommand.Build(clock),
        });
        root.Subcommands.Add(ConsentCommands.Build());
        root.Subcommands.Add(RevocationCommands.Revoke(clock));
        root.Subcommands.Add(RevocationCommands.Unrevoke(clock));
        root.Subcommands.Add(AlertCommands.Build(clock));
        root.Subcommands.Add(ContainCommands.Build(clock));
        return root;
    }
}
