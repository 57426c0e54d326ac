using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;
using OpsConsole.Api;

namespace OpsConsole.Features.Rules;

/// <summary>
/// The Rules page's editor: the fields as typed, conditions and actions as JSON text. It is read as the body the rules/ route
/// would receive, by the same <see cref="RuleSpec.Read"/>, so the page and the API accept and refuse exactly the same rules,
/// with the same messages.
/// </summary>
public sealed class RuleForm
{
    public string Name { get; set; } = "";
    public string? Description { get; set; } = "";
    public RuleKind Kind { get; set; } = RuleKind.TaskCreation;
    public int Priority { get; set; } = 100;
    public bool IsActive { get; set; } = true;
    public string Conditions { get; set; } = "{}";
    public string Actions { get; set; } = "{}";

    /// <summary>The form as a rules/ body; what is not JSON at all is reported here, by field (empty text is <c>{}</c>).</summary>
    public Checked<JsonObject> Body()
    {
        var notJson = new Dictionary<string, List<string>>();
        var body = new JsonObject
        {
            ["name"] = Name,
            ["description"] = Description ?? "",
            ["rule_type"] = WireFormat.Of(Kind),
            ["trigger_conditions"] = Parse("trigger_conditions", Conditions, notJson),
            ["actions"] = Parse("actions", Actions, notJson),
            ["priority"] = Priority,
            ["is_active"] = IsActive,
        };
        return notJson.Count > 0 ? Checked<JsonObject>.Invalid(notJson) : Checked<JsonObject>.Valid(body);
    }

    /// <summary>A rule as creating or replacing one reads it, or its errors by field.</summary>
    public static Checked<RuleSpec> Spec(JsonObject body) => FormBodies.Read(body, json => RuleSpec.Read(json, replace: true));

    private static JsonNode? Parse(string field, string? text, Dictionary<string, List<string>> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            errors[field] = [$"{field} is not valid JSON: {ex.Message}"];
            return null;
        }
    }
}
