namespace Gateway.IntegrationTests.Infrastructure;

internal static class RepositoryRoot
{
    /// <summary>The clone's root (where Gateway.sln is), found upward from the test binaries.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test binaries.");
    }
}
