using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OpsConsole.Domain;

/// <summary>
/// JSON for people to read: indented, and every string shown as the characters it encodes (🚨, é, &lt;) rather than
/// <c>\uD83D\uDEA8</c>. System.Text.Json's encoders escape every character outside the basic plane, even the relaxed one.
/// Only what JSON requires is escaped (quote, backslash, control characters): the console's HTML encoding, or the issue's
/// code block, does the rest.
/// </summary>
public static class ReadableJson
{
    /// <summary>The JSON text indented with its characters as they are; text that is not JSON is returned as it is.</summary>
    public static string Pretty(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return json ?? "";
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var text = new StringBuilder();
            Write(doc.RootElement, text, 0);
            return text.ToString();
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static void Write(JsonElement element, StringBuilder text, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Items(text, depth, '{', '}', element.EnumerateObject().ToList(), (p, d) =>
                {
                    WriteString(p.Name, text);
                    text.Append(": ");
                    Write(p.Value, text, d);
                });
                break;
            case JsonValueKind.Array:
                Items(text, depth, '[', ']', element.EnumerateArray().ToList(), (e, d) => Write(e, text, d));
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, text);
                break;
            default:
                text.Append(element.GetRawText()); // numbers, true, false, null exactly as written
                break;
        }
    }

    private static void Items<T>(StringBuilder text, int depth, char open, char close, List<T> items, Action<T, int> write)
    {
        if (items.Count == 0)
        {
            text.Append(open).Append(close);
            return;
        }

        text.Append(open).Append('\n');
        for (var i = 0; i < items.Count; i++)
        {
            text.Append(' ', (depth + 1) * 2);
            write(items[i], depth + 1);
            text.Append(i < items.Count - 1 ? ",\n" : "\n");
        }

        text.Append(' ', depth * 2).Append(close);
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                < ' ' => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }
}
