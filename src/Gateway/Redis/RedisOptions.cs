namespace Gateway.Redis;

/// <summary>Settings under <c>Gateway:Redis</c>.</summary>
internal sealed class RedisOptions
{
    public const string Section = "Gateway:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379,password=...,ssl=true</c>. Unset: no Redis.</summary>
    public string? Configuration { get; set; }
}
