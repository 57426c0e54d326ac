using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Api;

/// <summary>Which way a cursor reads from its position.</summary>
public enum SeekDirection
{
    /// <summary>The rows after the position, in the list's order (a <c>next</c> link).</summary>
    After,

    /// <summary>The rows before the position, nearest last (a <c>previous</c> link).</summary>
    Before,

    /// <summary>The list's last rows (no position): the page before an empty page at the end, or the console's "last page".</summary>
    End,
}

/// <summary>
/// Where a page starts, as a <c>cursor=</c> query parameter: the values of the list's sort keys (ending with the row's id) in
/// the row next to the page, which way to read, and the page's number for links and for display. A client that follows
/// <c>next</c> and <c>previous</c> never pays for skipping rows (OFFSET), however deep it goes, and never sees a row twice
/// or misses one that existed when rows are added or removed between its requests. Opaque to clients (base64url of a small
/// JSON document) and not secret: a hand-made cursor only chooses where to read, so it is validated, not signed.
/// </summary>
public sealed record PageCursor(SeekDirection Direction, IReadOnlyList<object?> Position, int? Number, string Ordering)
{
    public const string Parameter = "cursor";
    public const int MaxLength = 2000;

    private const int Version = 1;

    /// <summary>The message of a cursor that is not one this list gave out.</summary>
    public const string Unreadable =
        "cursor is not a cursor this list gave out; follow the next and previous links as they are, or leave cursor out to start at the first page";

    public string Encode()
    {
        var json = new JsonObject
        {
            ["v"] = Version,
            ["o"] = Ordering,
            ["d"] = Direction switch { SeekDirection.After => "a", SeekDirection.Before => "b", _ => "e" },
        };
        if (Number is { } number)
        {
            json["p"] = number;
        }

        if (Direction != SeekDirection.End)
        {
            json["k"] = new JsonArray([.. Position.Select(ToJson)]);
        }

        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>
    /// Reads a cursor for a list whose keys are <paramref name="keyTypes"/> under the ordering <paramref name="ordering"/>;
    /// null with <paramref name="error"/> saying what is wrong (for a 400 naming the <c>cursor</c> parameter).
    /// </summary>
    public static PageCursor? Decode(string text, string ordering, IReadOnlyList<Type> keyTypes, out string? error)
    {
        error = Unreadable;
        try
        {
            return Read(text, ordering, keyTypes, ref error);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }

    private static PageCursor? Read(string text, string ordering, IReadOnlyList<Type> keyTypes, ref string? error)
    {
        if (JsonNode.Parse(Base64Url.DecodeFromChars(text)) is not JsonObject json
            || json["v"]?.GetValueKind() != JsonValueKind.Number || (int)json["v"]! != Version
            || json["o"]?.GetValueKind() != JsonValueKind.String || json["d"]?.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        if ((string)json["o"]! != ordering)
        {
            error = "cursor belongs to another ordering of this list; follow the links with the ordering they carry, or leave cursor out to start at the first page";
            return null;
        }

        int? number = null;
        if (json["p"] is { } p)
        {
            if (p.GetValueKind() != JsonValueKind.Number || !p.AsValue().TryGetValue<int>(out var n) || n < 1)
            {
                return null;
            }

            number = n;
        }

        var direction = (string)json["d"]! switch
        {
            "a" => SeekDirection.After,
            "b" => SeekDirection.Before,
            "e" => SeekDirection.End,
            _ => (SeekDirection?)null,
        };
        if (direction is null)
        {
            return null;
        }

        if (direction == SeekDirection.End)
        {
            error = null;
            return new PageCursor(SeekDirection.End, [], number, ordering);
        }

        if (json["k"] is not JsonArray keys || keys.Count != keyTypes.Count)
        {
            return null;
        }

        var position = new object?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            if (!TryRead(keys[i], keyTypes[i], out position[i]))
            {
                return null;
            }
        }

        error = null;
        return new PageCursor(direction.Value, position, number, ordering);
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        DateTime at => at.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset at => at.ToString("O", CultureInfo.InvariantCulture),
        Guid id => id.ToString("D"),
        Enum e => e.ToString(),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        short s => s,
        decimal d => d,
        double d => d,
        float f => f,
        _ => throw new NotSupportedException($"A cursor cannot hold a {value.GetType().Name}."),
    };

    private static bool TryRead(JsonNode? node, Type type, out object? value)
    {
        value = null;
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is null)
        {
            return underlying is not null || !type.IsValueType;
        }

        type = underlying ?? type;
        if (node is not JsonValue json)
        {
            return false;
        }

        var kind = json.GetValueKind();
        try
        {
            if (kind == JsonValueKind.String)
            {
                var text = json.GetValue<string>();
                if (type == typeof(string))
                {
                    value = text;
                }
                else if (type == typeof(DateTime) && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) && at.Kind == DateTimeKind.Utc)
                {
                    value = at;
                }
                else if (type == typeof(DateTimeOffset) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var offset))
                {
                    value = offset;
                }
                else if (type == typeof(Guid) && Guid.TryParseExact(text, "D", out var id))
                {
                    value = id;
                }
                else if (type.IsEnum && Enum.TryParse(type, text, ignoreCase: false, out var e) && Enum.IsDefined(type, e!) && e!.ToString() == text)
                {
                    value = e;
                }

                return value is not null;
            }

            if (kind is JsonValueKind.True or JsonValueKind.False)
            {
                value = type == typeof(bool) ? json.GetValue<bool>() : null;
                return value is not null;
            }

            if (kind == JsonValueKind.Number)
            {
                value = type == typeof(int) ? json.GetValue<int>()
                    : type == typeof(long) ? json.GetValue<long>()
                    : type == typeof(short) ? json.GetValue<short>()
                    : type == typeof(decimal) ? json.GetValue<decimal>()
                    : type == typeof(double) ? json.GetValue<double>()
                    : type == typeof(float) ? json.GetValue<float>()
                    : null;
                return value is not null;
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
        {
            return false;
        }

        return false;
    }
}
