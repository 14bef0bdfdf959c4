using Gateway.ControlPlane;
using StackExchange.Redis;

namespace Gateway.Detector.Evaluation;

/// <summary>What a gateway instance does about revocations, without the gateway: reloads on each announcement and reports the version it applied.</summary>
internal sealed class StandInGateway : IAsyncDisposable
{
    private readonly RevocationStore _store;
    private readonly ChannelMessageQueue _messages;
    private readonly TimeProvider _time;
    private readonly Task _applying;

    private StandInGateway(RevocationStore store, ChannelMessageQueue messages, TimeProvider time)
    {
        _store = store;
        _messages = messages;
        _time = time;
        _applying = Task.Run(ApplyAsync);
    }

    public static async Task<StandInGateway> StartAsync(IConnectionMultiplexer redis, string prefix, TimeProvider time)
    {
        var store = new RevocationStore(redis, prefix);
        var messages = await redis.GetSubscriber().SubscribeAsync(store.Channel);
        var (version, _) = await store.LoadAsync(time.GetUtcNow());
        await store.ReportAppliedAsync("evaluation-gateway", version, TimeSpan.FromMinutes(10));
        return new StandInGateway(store, messages, time);
    }

    private async Task ApplyAsync()
    {
        await foreach (var _ in _messages)
        {
            var (version, _) = await _store.LoadAsync(_time.GetUtcNow());
            await _store.ReportAppliedAsync("evaluation-gateway", version, TimeSpan.FromMinutes(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _messages.UnsubscribeAsync();
        await _applying;
        await _store.LeaveAsync("evaluation-gateway");
    }
}
