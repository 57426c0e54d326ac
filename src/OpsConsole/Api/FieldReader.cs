using System.Globalization;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// What is wrong with a request's fields, collected so one 400 names every bad field, and the rules a field's value is read by
/// (blank text, control characters, times, enum values) with their messages: the same for a body read node by node
/// (<see cref="JsonBody"/>) and for one bound to a request record (<see cref="BoundFields"/>).
/// </summary>
public abstract class FieldReader
{
    private readonly Dictionary<string, List<string>> errors = [];

    public bool IsValid => errors.Count == 0;

    /// <summary>Every message so far, by field: the console shows them next to its form fields.</summary>
    public IReadOnlyDictionary<string, List<string>> Errors => errors;

    public RequestProblem Problem() => new(Problems.Validation(errors));

    public void Error(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    protected void Missing(string field) => Error(field, $"{field} is required");

    /// <summary>
    /// A text field as <see cref="JsonText"/> read it (null with its <paramref name="error"/>): blank is absent (or an error
    /// when required), control characters other than line breaks and tabs are refused.
    /// </summary>
    protected string? Text(string field, string? text, string? error, bool required, bool allowEmpty)
    {
        if (text is null)
        {
            Error(field, error!);
            return null;
        }

        if (text.Length == 0 && !allowEmpty)
        {
            if (required)
            {
                Error(field, $"{field} is required and may not be blank");
            }

            return null;
        }

        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            Error(field, $"{field} contains control characters; remove them");
            return null;
        }

        return text;
    }

    /// <summary>An ISO-8601 time between 1970 and 2999, as UTC (null when <paramref name="text"/> is).</summary>
    protected DateTime? TimeOf(string field, string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            && at.Year is >= 1970 and <= 2999)
        {
            return at.UtcDateTime;
        }

        Error(field, $"{field} must be an ISO-8601 timestamp between the years 1970 and 2999, such as 2026-01-31T17:00:00Z");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/> (5.0 is 5; null when <paramref name="node"/> is).</summary>
    protected int? IntOf(string field, JsonNode? node, int min, int max)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d >= min && d <= max)
        {
            return (int)d;
        }

        Error(field, $"{field} must be a whole number from {min} to {max}");
        return null;
    }

    /// <summary>A JSON object field as its compact text, at most <paramref name="maxBytes"/> (null when <paramref name="node"/> is).</summary>
    protected string? ObjectOf(string field, JsonNode? node, int maxBytes)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            Error(field, $"{field} must be a JSON object, not {JsonKinds.Describe(node)}");
            return null;
        }

        var text = obj.ToJsonString();
        if (text.Length > maxBytes)
        {
            Error(field, $"{field} is {text.Length} bytes; at most {maxBytes} are allowed");
            return null;
        }

        return text;
    }

    /// <summary>An amount in US dollars: more than 0 (or 0 too, with <paramref name="allowZero"/>) and at most <paramref name="max"/>.</summary>
    protected decimal? MoneyOf(string field, JsonNode? node, bool allowZero, decimal max)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<decimal>(out var amount) && (allowZero ? amount >= 0 : amount > 0) && amount <= max)
        {
            return amount;
        }

        Error(field, $"{field} must be a number of US dollars {(allowZero ? "from 0" : "greater than 0")} up to {max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    protected bool? BoolOf(string field, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<bool>(out var b))
        {
            return b;
        }

        Error(field, $"{field} must be true or false");
        return null;
    }

    /// <summary>"HH:MM:SS", "D HH:MM:SS" or a number of seconds, at most <paramref name="max"/>.</summary>
    protected TimeSpan? DurationOf(string field, JsonNode? node, TimeSpan max)
    {
        if (node is null)
        {
            return null;
        }

        TimeSpan? span = null;
        if (node is JsonValue v && v.TryGetValue<double>(out var seconds) && seconds >= 0 && seconds <= max.TotalSeconds)
        {
            span = TimeSpan.FromSeconds(seconds);
        }
        else if (node is JsonValue s && s.TryGetValue<string>(out var text))
        {
            text = text.Trim();
            var parts = text.Split(' ', 2);
            var days = 0;
            if ((parts.Length == 1 || (int.TryParse(parts[0], out days) && days >= 0 && days <= max.TotalDays))
                && TimeSpan.TryParseExact(parts[^1], [@"hh\:mm\:ss", @"h\:mm\:ss", @"hh\:mm\:ss\.FFFFFF"], CultureInfo.InvariantCulture, out var clock))
            {
                span = TimeSpan.FromDays(days) + clock;
            }
        }

        if (span is { } result && result >= TimeSpan.Zero && result <= max)
        {
            return result;
        }

        Error(field, $"{field} must be a duration \"HH:MM:SS\" (or \"D HH:MM:SS\", or seconds) of at most {ApiJson.Duration(max)}");
        return null;
    }

    /// <summary>A list of task ids, at most <paramref name="maxItems"/>.</summary>
    protected List<Guid>? GuidsOf(string field, JsonNode? node, int maxItems)
    {
        var items = ArrayOf(field, node);
        if (items is null)
        {
            return null;
        }

        var result = new List<Guid>();
        foreach (var item in items)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var text) && Guid.TryParse(text, out var id))
            {
                result.Add(id);
            }
            else
            {
                Error(field, $"{field} must be a list of task ids (UUIDs)");
                return null;
            }
        }

        if (result.Count > maxItems)
        {
            Error(field, $"{field} may hold at most {maxItems} ids");
            return null;
        }

        return result;
    }

    protected JsonArray? ArrayOf(string field, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray array)
        {
            return array;
        }

        Error(field, $"{field} must be a JSON list, not {JsonKinds.Describe(node)}");
        return null;
    }

    /// <summary>A UUID (null when <paramref name="text"/> is).</summary>
    protected Guid? GuidOf(string field, string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        Error(field, $"{field} must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6");
        return null;
    }

    /// <summary>One of the enum's wire values (null when <paramref name="text"/> is).</summary>
    protected TEnum? EnumOf<TEnum>(string field, string? text)
        where TEnum : struct, Enum
    {
        if (text is null)
        {
            return null;
        }

        if (WireFormat.TryParse<TEnum>(text, out var value))
        {
            return value;
        }

        Error(field, $"{field} '{text}' is not allowed; allowed: {WireFormat.Allowed<TEnum>()}");
        return null;
    }
}
