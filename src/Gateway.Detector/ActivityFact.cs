using System.Globalization;
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
    /// <remarks>
    /// One forward pass with <see cref="Utf8JsonReader"/>, taking only the members named here and
    /// skipping the rest: building a JsonDocument per event made parsing most of the detector's
    /// cost (24,000 events/s against 80,000 for scoring).
    /// </remarks>
    public static ActivityFact? TryParse(string entryId, ReadOnlyMemory<byte> json)
    {
        try
        {
            return Parse(entryId, json.Span);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static ActivityFact? Parse(string entryId, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        var classUid = 0;
        long? time = null;
        string? eventId = null, ip = null, subject = null, role = null, tokenId = null, method = null, path = null, userAgent = null;
        int status = 0, records = 0, clear = 0;
        UInt128[] subjects = [];
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("class_uid"u8))
            {
                classUid = ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                time = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var ms) ? ms : null;
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                eventId = ReadMember(ref reader, "uid"u8);
            }
            else if (reader.ValueTextEquals("src_endpoint"u8))
            {
                ip = ReadMember(ref reader, "ip"u8);
            }
            else if (reader.ValueTextEquals("actor"u8))
            {
                ReadActor(ref reader, ref subject, ref role, ref tokenId);
            }
            else if (reader.ValueTextEquals("http_request"u8))
            {
                ReadRequest(ref reader, ref method, ref path, ref userAgent);
            }
            else if (reader.ValueTextEquals("http_response"u8))
            {
                if (Enter(ref reader))
                {
                    while (NextProperty(ref reader))
                    {
                        if (reader.ValueTextEquals("code"u8))
                        {
                            status = ReadInt(ref reader);
                        }
                        else
                        {
                            SkipValue(ref reader);
                        }
                    }
                }
            }
            else if (reader.ValueTextEquals("unmapped"u8))
            {
                ReadUnmapped(ref reader, ref records, ref clear);
            }
            else if (reader.ValueTextEquals("resources"u8))
            {
                subjects = ReadSubjects(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
        if (classUid != 6003 || time is not { } eventTime || eventId is null || (subject is null && ip is null))
        {
            return null;
        }
        return new ActivityFact
        {
            EntryId = entryId,
            EventId = eventId,
            Time = eventTime,
            Principal = subject ?? $"ip:{ip}",
            HasSubject = subject is not null,
            Role = role,
            ClientIp = ip,
            UserAgent = userAgent,
            TokenId = tokenId,
            Status = status,
            Method = method ?? "",
            Path = path ?? "",
            Records = records,
            ClearHighSensitivity = clear,
            Subjects = subjects,
        };
    }

    private static void ReadActor(ref Utf8JsonReader reader, ref string? subject, ref string? role, ref string? tokenId)
    {
        if (!Enter(ref reader))
        {
            return;
        }
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("user"u8))
            {
                if (!Enter(ref reader))
                {
                    continue;
                }
                while (NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("uid"u8))
                    {
                        subject = ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("groups"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            reader.Skip();
                            continue;
                        }
                        // The first group is the role the event names first, as the gateway writes them.
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType == JsonTokenType.StartObject && role is null)
                            {
                                while (NextProperty(ref reader))
                                {
                                    if (reader.ValueTextEquals("name"u8))
                                    {
                                        role = ReadString(ref reader);
                                    }
                                    else
                                    {
                                        SkipValue(ref reader);
                                    }
                                }
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("session"u8))
            {
                tokenId = ReadMember(ref reader, "uid"u8);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadRequest(ref Utf8JsonReader reader, ref string? method, ref string? path, ref string? userAgent)
    {
        if (!Enter(ref reader))
        {
            return;
        }
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("http_method"u8))
            {
                method = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("url"u8))
            {
                path = ReadMember(ref reader, "path"u8);
            }
            else if (reader.ValueTextEquals("user_agent"u8))
            {
                userAgent = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadUnmapped(ref Utf8JsonReader reader, ref int records, ref int clear)
    {
        if (!Enter(ref reader))
        {
            return;
        }
        while (NextProperty(ref reader))
        {
            if (!reader.ValueTextEquals("masking"u8))
            {
                SkipValue(ref reader);
                continue;
            }
            if (!Enter(ref reader))
            {
                continue;
            }
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("records"u8))
                {
                    records = ReadInt(ref reader);
                }
                else if (reader.ValueTextEquals("clear_high"u8))
                {
                    if (!Enter(ref reader))
                    {
                        continue;
                    }
                    while (NextProperty(ref reader))
                    {
                        clear += ReadInt(ref reader);
                    }
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
    }

    /// <summary>The data subjects' keyed hashes (<c>resources[].uid</c>, 32 hex digits) as 128-bit numbers.</summary>
    private static UInt128[] ReadSubjects(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return [];
        }
        var subjects = new List<UInt128>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            while (NextProperty(ref reader))
            {
                if (!reader.ValueTextEquals("uid"u8))
                {
                    SkipValue(ref reader);
                    continue;
                }
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length == 32
                    && UInt128.TryParse(reader.ValueSpan, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var subject))
                {
                    subjects.Add(subject);
                }
            }
        }
        return [.. subjects];
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    /// <summary>Moves onto a property's value; true when it is an object (the reader is then inside it), else skips it.</summary>
    private static bool Enter(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }
        reader.Skip();
        return false;
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }
        reader.Skip();
        return null;
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : 0;
    }

    /// <summary>The string member <paramref name="name"/> of the object that is the property's value.</summary>
    private static string? ReadMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!Enter(ref reader))
        {
            return null;
        }
        string? value = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals(name))
            {
                value = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
        return value;
    }
}
