using System.Security.Cryptography;
using Gateway.Identity.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Identity;

public sealed class JwksFileKeySourceTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly ManualClock _clock = new();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task GetKeys_ReadsEverySigningKey()
    {
        await File.WriteAllTextAsync(_path, Jwks("a", "b"));

        var keys = await new JwksFileKeySource(_path, _clock, NullLogger.Instance).GetKeysAsync(default);

        Assert.Equal(["a", "b"], keys.Ids.Order());
    }

    [Fact]
    public async Task FileRewritten_NewKeysAfterTheCheckInterval_NotBefore()
    {
        await File.WriteAllTextAsync(_path, Jwks("a"));
        var source = new JwksFileKeySource(_path, _clock, NullLogger.Instance);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await source.GetKeysAsync(default);

        await File.WriteAllTextAsync(_path, Jwks("b"));
        File.SetLastWriteTimeUtc(_path, DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(["a"], (await source.GetKeysAsync(default)).Ids);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["b"], (await source.GetKeysAsync(default)).Ids);
    }

    [Fact]
    public async Task FileBroken_PreviousKeysStay()
    {
        await File.WriteAllTextAsync(_path, Jwks("a"));
        var source = new JwksFileKeySource(_path, _clock, NullLogger.Instance);

        await File.WriteAllTextAsync(_path, "{ not json");
        File.SetLastWriteTimeUtc(_path, DateTime.UtcNow.AddMinutes(1));
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(["a"], (await source.GetKeysAsync(default)).Ids);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{"keys":[]}""")]
    public async Task InitialFileUnusable_Throws(string content)
    {
        await File.WriteAllTextAsync(_path, content);

        Assert.Throws<KeysUnavailableException>(() => new JwksFileKeySource(_path, _clock, NullLogger.Instance));
    }

    private static string Jwks(params string[] kids) => System.Text.Json.JsonSerializer.Serialize(new
    {
        keys = kids.Select(kid =>
        {
            var parameters = RSA.Create(2048).ExportParameters(false);
            return new { kty = "RSA", kid, use = "sig", n = Base64UrlEncoder.Encode(parameters.Modulus!), e = Base64UrlEncoder.Encode(parameters.Exponent!) };
        }),
    });

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
