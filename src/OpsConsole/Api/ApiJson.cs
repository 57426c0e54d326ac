using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OpsConsole.Api;

/// <summary>The wire's JSON conventions: snake_case names, enum values as the original's strings, ISO-8601 UTC times.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        if (!options.Converters.Any(c => c is JsonStringEnumConverter))
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        }

        if (!options.Converters.Any(c => c is UtcDateTimeConverter))
        {
            options.Converters.Add(new UtcDateTimeConverter());
        }

        return options;
    }

    /// <summary>A stored JSON text as a node for the response (an object when the text is not valid JSON).</summary>
    public static JsonNode? Node(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    /// <summary>Durations as the original wrote them: "HH:MM:SS", or "D HH:MM:SS" beyond a day.</summary>
    public static string Duration(TimeSpan span)
    {
        var sign = span < TimeSpan.Zero ? "-" : "";
        span = span.Duration();
        var clock = $"{span.Hours:00}:{span.Minutes:00}:{span.Seconds:00}";
        return span.Days > 0 ? $"{sign}{span.Days} {clock}" : $"{sign}{clock}";
    }

    public static string Timestamp(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class UtcDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().UtcDateTime;

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Timestamp(value));
    }
}
