using Gateway.ControlPlane;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.ControlPlane;

/// <summary>The contract between containment (which tightens quotas) and every instance's quota check (which reads them), against a real redis-server.</summary>
public sealed class QuotaOverrideStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);
    private readonly string _prefix = $"quota:{Guid.NewGuid():N}";
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task Tighten_IsReadBack_UntilItEnds()
    {
        var store = new QuotaOverrideStore(_connection, _prefix);

        await store.TightenAsync("alice", 0.1, TimeSpan.FromMinutes(30), "score 87: bulk read", "detector", Now);

        Assert.Equal(new QuotaOverride("alice", 0.1, Now.AddMinutes(30), "score 87: bulk read", "detector"), await store.GetAsync("alice", Now));
        Assert.Null(await store.GetAsync("alice", Now.AddMinutes(30)));
        Assert.Null(await store.GetAsync("bob", Now));
    }

    [Fact]
    public async Task List_ShowsOverridesInForce_SoonestToEndFirst()
    {
        var store = new QuotaOverrideStore(_connection, _prefix);
        await store.TightenAsync("late", 0.5, TimeSpan.FromHours(2), "r", "a", Now);
        await store.TightenAsync("soon", 0.5, TimeSpan.FromHours(1), "r", "a", Now);
        await store.TightenAsync("ended", 0.5, TimeSpan.FromMinutes(1), "r", "a", Now.AddHours(-1));

        var listed = await store.ListAsync(Now);

        Assert.Equal(["soon", "late"], listed.Select(o => o.Principal));
    }

    [Fact]
    public async Task Release_LiftsTheOverride_AndSaysWhetherThereWasOne()
    {
        var store = new QuotaOverrideStore(_connection, _prefix);
        await store.TightenAsync("alice", 0.2, TimeSpan.FromHours(1), "r", "a", Now);

        Assert.True(await store.ReleaseAsync("alice"));
        Assert.False(await store.ReleaseAsync("alice"));
        Assert.Null(await store.GetAsync("alice", Now));
        Assert.Empty(await store.ListAsync(Now));
    }

    [Fact]
    public async Task OverrideKey_SharesItsPrincipalsHashSlot_WhateverTheName()
    {
        foreach (var principal in new[] { "alice", "we{ird}", "{", "}{", "名前" })
        {
            var key = QuotaOverrideStore.OverrideKey(_prefix, principal);
            var counter = QuotaOverrideStore.PrincipalKey(_prefix, principal) + ":requests";

            Assert.Equal(HashSlot(counter), HashSlot(key));
        }
        Assert.NotEqual(QuotaOverrideStore.PrincipalKey(_prefix, "a"), QuotaOverrideStore.PrincipalKey(_prefix, "b"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public async Task Tighten_RefusesAFactorOutsideZeroToOne(double factor)
    {
        var store = new QuotaOverrideStore(_connection, _prefix);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TightenAsync("alice", factor, TimeSpan.FromHours(1), "r", "a", Now));
    }

    private int HashSlot(string key) => _connection.GetServer(_connection.GetEndPoints()[0]).Multiplexer.HashSlot(key);
}
