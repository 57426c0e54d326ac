using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// A request record: a body's fields as System.Text.Json binds them (through the source-generated context of its feature),
/// read into what the handler needs by <see cref="BoundFields"/> with the messages every body gets.
/// </summary>
public interface IRequestRecord<TSelf>
    where TSelf : class, IRequestRecord<TSelf>
{
    /// <summary>The record's generated metadata: snake_case names, exact names, numbers only as numbers.</summary>
    static abstract JsonTypeInfo<TSelf> JsonType { get; }

    /// <summary>Whether an empty body is an empty object (a body whose fields are all optional).</summary>
    static virtual bool AllowsEmpty => false;
}

/// <summary>
/// A handler's body parameter: the request's JSON object (size, UTF-8 and shape checked by <see cref="RequestBody"/>) bound to
/// <typeparamref name="T"/>. A field whose JSON does not bind (a number where text belongs, a list for a number) is taken out
/// and binding runs again, so every such field is named; its message is the one the field's reader gives for that JSON. The
/// route's OpenAPI document shows <typeparamref name="T"/> as its request body.
/// </summary>
public sealed class JsonRequest<T> : IBindableFromHttpContext<JsonRequest<T>>, IEndpointParameterMetadataProvider
    where T : class, IRequestRecord<T>
{
    private JsonRequest(T? value, BoundFields? fields, RequestProblem? problem) => (Value, Fields, Problem) = (value, fields, problem);

    /// <summary>The bound record (null when the body could not be read at all: then <see cref="Problem"/> says why).</summary>
    public T? Value { get; }

    /// <summary>Reads the record's fields and collects what is wrong with them.</summary>
    public BoundFields? Fields { get; }

    public RequestProblem? Problem { get; }

    public static async ValueTask<JsonRequest<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var (json, problem) = await RequestBody.ReadJsonObjectAsync(context.Request, T.AllowsEmpty);
        if (json is null)
        {
            return new JsonRequest<T>(null, null, problem);
        }

        var (value, fields) = Bind(json);
        return new JsonRequest<T>(value, fields, null);
    }

    /// <summary><paramref name="json"/> bound to the record (a body, or an object inside one such as a preview's <c>task</c>).</summary>
    public static (T Value, BoundFields Fields) Bind(JsonObject json)
    {
        var unbound = new Dictionary<string, JsonNode>();
        var remaining = json.DeepClone().AsObject();
        while (true)
        {
            try
            {
                var value = remaining.Deserialize(T.JsonType) ?? throw new JsonException("the body is null", "$", null, null);
                return (value, new BoundFields(unbound));
            }
            catch (JsonException ex) when (FieldOf(ex.Path) is { } field && remaining.Remove(field, out var node) && node is not null)
            {
                unbound[field] = node;
            }
        }
    }

    /// <summary>
    /// Names the record for the OpenAPI document (<see cref="RequestRecords"/>), not as accepted media types: those would let
    /// routing refuse a body sent without <c>Content-Type: application/json</c>, which the API has always read.
    /// </summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new RequestRecords.Body(typeof(T), !T.AllowsEmpty));

    /// <summary>The top-level field a <see cref="JsonException"/>'s path names (<c>$.name</c>, <c>$.tags[2]</c>, <c>$['odd name']</c>).</summary>
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$", StringComparison.Ordinal) || path.Length < 3)
        {
            return null;
        }

        if (path[1] == '.')
        {
            var end = path.IndexOfAny(['.', '['], 2);
            return end < 0 ? path[2..] : path[2..end];
        }

        return path.StartsWith("$['", StringComparison.Ordinal) && path.IndexOf("']", 3, StringComparison.Ordinal) is > 3 and var close ? path[3..close] : null;
    }
}

/// <summary>
/// Reads a bound record's fields with the rules and messages of <see cref="JsonBody"/>: a field whose JSON did not bind gets
/// the message its reader gives that JSON; a bound value is checked as a body's would be.
/// </summary>
public sealed class BoundFields(IReadOnlyDictionary<string, JsonNode> unbound) : FieldReader
{
    /// <summary>For a record made in code (a console form read as its route reads the body): every field bound.</summary>
    public BoundFields()
        : this(new Dictionary<string, JsonNode>())
    {
    }

    public string? String(string field, string? value, bool required = false, int max = 10_000, bool allowEmpty = false)
    {
        if (unbound.TryGetValue(field, out var node))
        {
            return Text(field, JsonText.Read(node, field, max, out var wrong), wrong, required, allowEmpty);
        }

        if (value is null)
        {
            if (required)
            {
                Missing(field);
            }

            return null;
        }

        return Text(field, JsonText.Read(value, field, max, out var error), error, required, allowEmpty);
    }

    public int? Int(string field, int? value, int min, int max, bool required = false) =>
        IntOf(field, NodeOf(field, value is { } v ? JsonValue.Create((double)v) : null, required), min, max);

    /// <summary>A JSON object field as its compact text (see <see cref="JsonBody.Object"/>).</summary>
    public string? Object(string field, JsonObject? value, int maxBytes = 256 * 1024) => ObjectOf(field, NodeOf(field, value, false), maxBytes);

    public decimal? Money(string field, decimal? value, bool allowZero = false, decimal max = 1_000_000m) =>
        MoneyOf(field, NodeOf(field, value is { } v ? JsonValue.Create(v) : null, false), allowZero, max);

    public bool? Bool(string field, bool? value) => BoolOf(field, NodeOf(field, value is { } v ? JsonValue.Create(v) : null, false));

    /// <summary>A duration, sent as "HH:MM:SS" text or as seconds (so bound as the JSON it is).</summary>
    public TimeSpan? Duration(string field, JsonNode? value, TimeSpan max) => DurationOf(field, NodeOf(field, value, false), max);

    public List<Guid>? Guids(string field, IReadOnlyList<string?>? value, int maxItems) =>
        GuidsOf(field, NodeOf(field, value is null ? null : new JsonArray([.. value.Select(v => (JsonNode?)(v is null ? null : JsonValue.Create(v)))]), false), maxItems);

    /// <summary>The JSON a field had: as sent when it did not bind (its reader says what is wrong with it), else the bound value's.</summary>
    private JsonNode? NodeOf(string field, JsonNode? bound, bool required)
    {
        if (unbound.TryGetValue(field, out var node))
        {
            return node;
        }

        if (bound is null && required)
        {
            Missing(field);
        }

        return bound;
    }

    public DateTime? Time(string field, string? value, bool required = false) => TimeOf(field, String(field, value, required, 64));

    public Guid? Guid(string field, string? value, bool required = false) => GuidOf(field, String(field, value, required, 64));

    public TEnum? Enum<TEnum>(string field, string? value, bool required = false)
        where TEnum : struct, System.Enum => EnumOf<TEnum>(field, String(field, value, required, 64));
}
