using System.Buffers.Binary;
using System.Text.Json;

namespace Gateway.Detector;

/// <summary>What the detector takes from one request's audit event (OCSF API Activity): who, from where, what came back.</summary>
internal sealed class ActivityFact
{
    /// <summary>The stream entry id.</summary>
    public required string EntryId { get; init; }

    /// <summary>The event's <c>metadata.uid</c>: what an alert names as its evidence.</summary>
    public required string EventId { get; init; }

    /// <summary>Unix milliseconds, the event's <c>time</c>.</summary>
    public required long Time { get; init; }

    /// <summary>The token's <c>sub</c>; for a request without a validated token, <c>ip:ADDRESS</c>.</summary>
    public required string Principal { get; init; }

    /// <summary>A token named the principal (it can be contained); false for <c>ip:</c> principals.</summary>
    public required bool HasSubject { get; init; }

    public string? Role { get; init; }

    public string? ClientIp { get; init; }

    public string? UserAgent { get; init; }

    public string? TokenId { get; init; }

    public required int Status { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public int Records { get; init; }

    public int ClearHighSensitivity { get; init; }

    /// <summary>The data subjects' keyed hashes, as 128-bit numbers.</summary>
    public IReadOnlyList<UInt128> Subjects { get; init; } = [];

    /// <summary>
    /// Reads a stream entry's event. Null for what is not a request's event (changes, restarts)
    /// or not an event at all: the detector skips those (and acknowledges them).
    /// </summary>
    public static ActivityFact? TryParse(string entryId, ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromEvent(entryId, document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ActivityFact? FromEvent(string entryId, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("class_uid"u8, out var classUid) || classUid.ValueKind != JsonValueKind.Number || classUid.GetInt32() != 6003
            || !root.TryGetProperty("time"u8, out var time) || !time.TryGetInt64(out var ms)
            || Text(root, "metadata"u8, "uid"u8) is not { } eventId)
        {
            return null;
        }
        var ip = Text(root, "src_endpoint"u8, "ip"u8);
        string? subject = null;
        string? role = null;
        string? tokenId = null;
        if (root.TryGetProperty("actor"u8, out var actor) && actor.ValueKind == JsonValueKind.Object)
        {
            if (actor.TryGetProperty("user"u8, out var user) && user.ValueKind == JsonValueKind.Object)
            {
                subject = Text(user, "uid"u8);
                if (user.TryGetProperty("groups"u8, out var groups) && groups.ValueKind == JsonValueKind.Array && groups.GetArrayLength() > 0)
                {
                    role = Text(groups[0], "name"u8);
                }
            }
            tokenId = Text(actor, "session"u8, "uid"u8);
        }
        if (subject is null && ip is null)
        {
            return null;
        }
        var status = root.TryGetProperty("http_response"u8, out var response) && response.ValueKind == JsonValueKind.Object
            && response.TryGetProperty("code"u8, out var code) && code.TryGetInt32(out var c) ? c : 0;
        var records = 0;
        var clear = 0;
        if (root.TryGetProperty("unmapped"u8, out var unmapped) && unmapped.ValueKind == JsonValueKind.Object
            && unmapped.TryGetProperty("masking"u8, out var masking) && masking.ValueKind == JsonValueKind.Object)
        {
            records = masking.TryGetProperty("records"u8, out var r) && r.TryGetInt32(out var n) ? n : 0;
            if (masking.TryGetProperty("clear_high"u8, out var clearHigh) && clearHigh.ValueKind == JsonValueKind.Object)
            {
                foreach (var count in clearHigh.EnumerateObject())
                {
                    clear += count.Value.TryGetInt32(out var k) ? k : 0;
                }
            }
        }
        return new ActivityFact
        {
            EntryId = entryId,
            EventId = eventId,
            Time = ms,
            Principal = subject ?? $"ip:{ip}",
            HasSubject = subject is not null,
            Role = role,
            ClientIp = ip,
            UserAgent = Text(root, "http_request"u8, "user_agent"u8),
            TokenId = tokenId,
            Status = status,
            Method = Text(root, "http_request"u8, "http_method"u8) ?? "",
            Path = root.TryGetProperty("http_request"u8, out var request) ? Text(request, "url"u8, "path"u8) ?? "" : "",
            Records = records,
            ClearHighSensitivity = clear,
            Subjects = ReadSubjects(root),
        };
    }

    private static UInt128[] ReadSubjects(JsonElement root)
    {
        if (!root.TryGetProperty("resources"u8, out var resources) || resources.ValueKind != JsonValueKind.Array || resources.GetArrayLength() == 0)
        {
            return [];
        }
        var subjects = new List<UInt128>(resources.GetArrayLength());
        Span<byte> bytes = stackalloc byte[16];
        foreach (var resource in resources.EnumerateArray())
        {
            if (resource.ValueKind == JsonValueKind.Object && resource.TryGetProperty("uid"u8, out var uid) && uid.ValueKind == JsonValueKind.String
                && uid.GetString() is { Length: 32 } hex && Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == 16)
            {
                subjects.Add(BinaryPrimitives.ReadUInt128BigEndian(bytes));
            }
        }
        return [.. subjects];
    }

    private static string? Text(JsonElement parent, ReadOnlySpan<byte> name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Text(JsonElement parent, ReadOnlySpan<byte> outer, ReadOnlySpan<byte> name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(outer, out var inner) ? Text(inner, name) : null;
}
