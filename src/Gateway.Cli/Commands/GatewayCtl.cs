using System.CommandLine;
using Gateway.Cli.Commands.Audit;

namespace Gateway.Cli.Commands;

/// <summary>
/// The command tree of <c>gatewayctl</c>. Commands whose stage is not built yet exist so that
/// <c>--help</c> shows the whole tool; running one says so and exits with <see cref="NotAvailable"/>.
/// </summary>
public static class GatewayCtl
{
    public const int NotAvailable = 69;

    public static RootCommand Build(TimeProvider? time = null)
    {
        var root = new RootCommand("gatewayctl: operate the Compliance Gateway (masking rules, audit stream, revocation, consent).");
        root.Subcommands.Add(RulesCommands.Build());
        var clock = time ?? TimeProvider.System;
        root.Subcommands.Add(new Command("audit", "Read and verify the audit stream in Redis.")
        {
            AuditTailCommand.Build(),
            AuditVerifyCommand.Build(),
            AuditSubjectCommand.Build(clock),
            AuditReportCommand.Build(clock),
        });
        root.Subcommands.Add(Group("consent", "Manage the consent register.",
            ("set", "Record consent of a subject for a purpose."),
            ("withdraw", "Withdraw consent of a subject for a purpose."),
            ("show", "Show a subject's consents."),
            ("import", "Import a consent register from CSV.")));
        root.Subcommands.Add(RevocationCommands.Revoke(clock));
        root.Subcommands.Add(RevocationCommands.Unrevoke());
        return root;
    }

    private static Command Group(string name, string description, params (string Name, string Description)[] children)
    {
        var group = new Command(name, description);
        foreach (var (childName, childDescription) in children)
        {
            group.Subcommands.Add(Leaf(childName, childDescription));
        }
        return group;
    }

    private static Command Leaf(string name, string description)
    {
        var command = new Command(name, description);
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine($"'{parseResult.CommandResult.Command.Name}' is not available in this version of gatewayctl.");
            return NotAvailable;
        });
        return command;
    }
}
