namespace Gateway.Benchmarks;

/// <summary>The repository this build belongs to, found from the build's own directory, so that the benchmarks find it wherever they are started from.</summary>
internal static class RepositoryRoot
{
    /// <returns>Null when the build is not inside a checkout of the repository.</returns>
    public static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
