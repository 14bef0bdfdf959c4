namespace Gateway.Redis;

/// <summary>Settings under <c>Gateway:Redis</c>.</summary>
internal sealed class RedisOptions
{
    public const string Section = "Gateway:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379,password=...,ssl=true</c>. Unset: no Redis.</summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// A file holding the Redis password (a trailing newline is ignored), so that it need not be in
    /// the configuration string or an environment variable. Read once at start.
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>The password file's content without its trailing line break.</summary>
    public static string ReadPassword(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');
}
