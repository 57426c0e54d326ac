using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Domain;

/// <summary>
/// Takes a text field from JSON a client sent. The API's request bodies and deployment entries read text the same way and say
/// the same thing when it is wrong; they differ only in what they forgive, which the caller says.
/// </summary>
public static class JsonText
{
    /// <summary>
    /// The node's text, trimmed, or null with <paramref name="error"/> naming <paramref name="field"/> and what is wrong.
    /// With <paramref name="numbers"/> a number is taken as its JSON text (deployment logs write ids and codes as numbers);
    /// with <paramref name="clip"/> text over <paramref name="max"/> characters is cut (ending in "…") instead of refused.
    /// </summary>
    public static string? Read(JsonNode node, string field, int max, out string? error, bool numbers = false, bool clip = false)
    {
        error = null;
        string? text = null;
        if (node is JsonValue value)
        {
            text = value.TryGetValue<string>(out var s) ? s
                : numbers && value.GetValueKind() == JsonValueKind.Number ? value.ToJsonString()
                : null;
        }

        if (text is null)
        {
            error = $"{field} must be a string, not {JsonKinds.Describe(node)}";
            return null;
        }

        return Read(text, field, max, out error, clip);
    }

    /// <summary>A text already read as a string (a request record's field): trimmed, then as <see cref="Read(JsonNode, string, int, out string?, bool, bool)"/>.</summary>
    public static string? Read(string text, string field, int max, out string? error, bool clip = false)
    {
        error = null;
        text = text.Trim();
        if (text.Length <= max)
        {
            return text;
        }

        if (clip)
        {
            return text.Clip(max);
        }

        error = $"{field} is {text.Length} characters long; at most {max} are allowed";
        return null;
    }
}
