using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Cli.Output;

/// <summary>Small formatting helpers for values read from the API's JSON.</summary>
public static class Show
{
    public static string Text(JsonNode? node, string name) => node?[name] switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    public static int Int(JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    public static double Number(JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;

    public static bool Bool(JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>A server timestamp as "2026-11-25 12:00:05Z" (the server's UTC clock, so no local clock is involved).</summary>
    public static string Time(JsonNode? node, string name)
    {
        var text = Text(node, name);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : text;
    }

    public static string Age(double? seconds) => seconds switch
    {
        null => "never",
        < 0 => "now",
        < 90 => $"{seconds:F0}s ago",
        < 90 * 60 => $"{seconds / 60:F0}m ago",
        < 36 * 3600 => $"{seconds / 3600:F1}h ago",
        _ => $"{seconds / 86400:F1}d ago",
    };

    public static string Percent(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    public static string Fixed(double value, int decimals = 2) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    public static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public static void Json(TextWriter writer, JsonNode? node) => writer.WriteLine(node?.ToJsonString(OpsApi.Pretty) ?? "null");

    public static void Json<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, OpsApi.Pretty));
}
