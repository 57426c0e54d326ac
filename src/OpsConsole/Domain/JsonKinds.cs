using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Domain;

/// <summary>Names what a JSON value is, for messages such as "exit_code must be a number, not a list".</summary>
public static class JsonKinds
{
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a value",
        },
        _ => "a value",
    };
}
