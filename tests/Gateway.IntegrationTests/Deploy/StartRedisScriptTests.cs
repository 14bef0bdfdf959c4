namespace Gateway.IntegrationTests.Deploy;

/// <summary>deploy/redis/start-redis.sh refuses to start Redis with a user it cannot give a proper password.</summary>
public sealed class StartRedisScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("start-redis-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(null, "no password for Redis user 'gateway'")]
    [InlineData("", "no password for Redis user 'gateway'")]
    [InlineData("short-password\n", "shorter than 16 characters")]
    [InlineData("a-long-password-with,comma\n", "white space or a comma")]
    [InlineData("a long password with spaces\n", "white space or a comma")]
    public async Task A_missing_or_unusable_password_stops_it_before_redis_starts(string? gatewayPassword, string expected)
    {
        var passwords = Directory.CreateDirectory(Path.Combine(_directory, "passwords")).FullName;
        File.WriteAllText(Path.Combine(passwords, "gatewayctl"), "a-good-password-0123456789\n");
        if (gatewayPassword is not null)
        {
            File.WriteAllText(Path.Combine(passwords, "gateway"), gatewayPassword);
        }

        var (exitCode, output) = await RunAsync(Path.Combine(ShippedRedis.RedisDirectory, "users.acl"), passwords);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output);
        Assert.False(File.Exists(Path.Combine(_directory, "written.acl")));
    }

    [Theory]
    [InlineData("user gateway on >plain-text-password ~* +@all", "names a password")]
    [InlineData("user gateway on nopass ~* +@all", "names a password")]
    [InlineData("user gateway on #0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ~* +@all", "names a password")]
    [InlineData("requirepass something", "must be a comment or start with 'user '")]
    public async Task A_users_file_that_sets_passwords_itself_is_refused(string line, string expected)
    {
        var users = Path.Combine(_directory, "users.acl");
        File.WriteAllText(users, "# a comment\n" + line + "\n");

        var (exitCode, output) = await RunAsync(users, _directory);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string users, string passwords)
    {
        var (process, output) = ShippedRedis.StartScript(new Dictionary<string, string>
        {
            ["REDIS_USERS"] = users,
            ["REDIS_PASSWORD_DIR"] = passwords,
            ["REDIS_ACL_FILE"] = Path.Combine(_directory, "written.acl"),
        }, "--port", "0");
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output);
        }
    }
}
