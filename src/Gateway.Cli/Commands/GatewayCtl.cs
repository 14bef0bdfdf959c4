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
        root.Subcommands.Add(DataMapCommand.Build());
        var clock = time ?? TimeProvider.System;
        root.Subcommands.Add(new Command("audit", "Read and verify the audit stream in Redis.")
        {
            AuditTailCommand.Build(),
            AuditVerifyCommand.Build(),
            AuditSubjectCommand.Build(clock),
            AuditReportCommand.Build(clock),
            AuditProcessingCommand.Build(clock),
        });
        root.Subcommands.Add(ConsentCommands.Build());
        root.Subcommands.Add(RevocationCommands.Revoke(clock));
        root.Subcommands.Add(RevocationCommands.Unrevoke(clock));
        return root;
    }
}
