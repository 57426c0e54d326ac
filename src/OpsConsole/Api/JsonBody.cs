using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// Reads a request's JSON object field by field and collects what is wrong with it, so a client gets one 400
/// that names every bad field and says what is allowed, and nothing a client sends becomes a 500. For bodies that binding to
/// a record cannot read (absent versus null in a PATCH, the original's loose shapes); a simple body binds to a request record
/// (<see cref="JsonRequest{T}"/>) and is checked by the same rules.
/// </summary>
public sealed class JsonBody : FieldReader
{
    private JsonBody(JsonObject json) => Json = json;

    public JsonObject Json { get; }

    /// <summary>The request's JSON object to read field by field, or the problem that says why there is none (see <see cref="RequestBody"/>).</summary>
    public static async Task<(JsonBody? Body, RequestProblem? Problem)> ReadAsync(HttpRequest request, bool allowEmpty = false)
    {
        var (json, problem) = await RequestBody.ReadJsonObjectAsync(request, allowEmpty);
        return json is null ? (null, problem) : (new JsonBody(json), null);
    }

    public static JsonBody From(JsonObject json) => new(json);

    /// <summary>Whether the body names the field at all, even as null (a PATCH that clears it, a read-only field sent).</summary>
    public bool Has(string field) => Json.ContainsKey(field);

    /// <summary>Whether the field was sent with a value: null counts as not sent, as it does for a required field.</summary>
    public bool HasValue(string field) => Json[field] is not null;

    private JsonNode? Node(string field, bool required)
    {
        if (Json.TryGetPropertyValue(field, out var node) && node is not null)
        {
            return node;
        }

        if (required)
        {
            Missing(field);
        }

        return null;
    }

    public string? String(string field, bool required = false, int max = 10_000, bool allowEmpty = false)
    {
        var node = Node(field, required);
        if (node is null)
        {
            return null;
        }

        return Text(field, JsonText.Read(node, field, max, out var error), error, required, allowEmpty);
    }

    public int? Int(string field, int min, int max, bool required = false) => IntOf(field, Node(field, required), min, max);

    public double? Double(string field, double min, double max, bool required = false)
    {
        var node = Node(field, required);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<double>(out var d) && d >= min && d <= max && double.IsFinite(d))
        {
            return d;
        }

        Error(field, $"{field} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    /// <summary>An amount in US dollars: more than 0 (or 0 too, with <paramref name="allowZero"/>) and at most <paramref name="max"/>.</summary>
    public decimal? Money(string field, bool allowZero = false, decimal max = 1_000_000m, bool required = false) =>
        MoneyOf(field, Node(field, required), allowZero, max);

    public bool? Bool(string field, bool required = false) => BoolOf(field, Node(field, required));

    public DateTime? Time(string field, bool required = false)
    {
        return TimeOf(field, String(field, required, 64));
    }

    /// <summary>"HH:MM:SS", "D HH:MM:SS" or a number of seconds.</summary>
    public TimeSpan? Duration(string field, TimeSpan max) => DurationOf(field, Node(field, false), max);

    public TEnum? Enum<TEnum>(string field, bool required = false)
        where TEnum : struct, System.Enum
    {
        return EnumOf<TEnum>(field, String(field, required, 64));
    }

    public List<TEnum>? EnumList<TEnum>(string field)
        where TEnum : struct, System.Enum
    {
        var items = Array(field);
        if (items is null)
        {
            return null;
        }

        var result = new List<TEnum>();
        foreach (var item in items)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var text) && WireFormat.TryParse<TEnum>(text, out var value))
            {
                if (!result.Contains(value))
                {
                    result.Add(value);
                }
            }
            else
            {
                Error(field, $"{field} holds '{item?.ToJsonString()}', which is not allowed; allowed: {WireFormat.Allowed<TEnum>()}");
                return null;
            }
        }

        return result;
    }

    public List<string>? StringList(string field, int maxItems, int maxLength)
    {
        var items = Array(field);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>();
        foreach (var item in items)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var text) && text.Trim().Length is > 0 and var length && length <= maxLength
                && !text.Any(char.IsControl))
            {
                result.Add(text.Trim());
            }
            else
            {
                Error(field, $"{field} must be a list of non-empty strings of at most {maxLength} characters, without control characters");
                return null;
            }
        }

        if (result.Count > maxItems)
        {
            Error(field, $"{field} may hold at most {maxItems} items");
            return null;
        }

        return result;
    }

    public List<Guid>? Guids(string field, int maxItems) => GuidsOf(field, Node(field, false), maxItems);

    public Guid? Guid(string field, bool required = false) => GuidOf(field, String(field, required, 64));

    /// <summary>A JSON object field, returned as its compact text.</summary>
    public string? Object(string field, int maxBytes = 256 * 1024) => ObjectOf(field, Node(field, false), maxBytes);

    private JsonArray? Array(string field) => ArrayOf(field, Node(field, false));
}
