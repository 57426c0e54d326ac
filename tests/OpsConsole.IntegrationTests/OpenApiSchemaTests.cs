using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Every success answer of the API is documented with the schema of what it writes: an object with its properties (or a list
/// or page of such objects), never no schema, <c>{}</c>, an object without properties or a map of anything. Inside an answer,
/// the only free JSON is what a client stored and gets back as it sent it (<c>input_data</c>, <c>configuration</c>,
/// <c>browser_info</c>…), which the document names <c>JsonNode</c>.
/// </summary>
public sealed class OpenApiSchemaTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private static readonly string[] ApiPrefixes = ["/api/v1/orchestration", "/api/v1/bug-reports"];

    /// <summary>The schema of JSON a client stored and reads back unchanged: any JSON, on purpose.</summary>
    private const string StoredJson = "#/components/schemas/JsonNode";

    [Fact]
    public async Task Every_success_answer_is_documented_with_a_concrete_schema()
    {
        var document = await DocumentAsync();

        var loose = Loose(document);

        Assert.True(loose.Count == 0, string.Join("\n", loose));
        Assert.Contains("anyOf", document["components"]!["schemas"]!["WebhookDeliveryDto"]!.AsObject().Select(p => p.Key));
        Assert.Null(document["components"]!["schemas"]!["WebhookDeliveryDto"]!["discriminator"]);
    }

    [Fact]
    public async Task The_check_finds_an_answer_without_schema_an_empty_one_a_property_less_object_a_map_and_a_loose_field()
    {
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();
        var schemas = document["components"]!["schemas"]!.AsObject();
        Json(paths, "/api/v1/orchestration/tasks/{id}/block", "post", "200").Remove("schema");
        Json(paths, "/api/v1/orchestration/failures/summary", "get", "200")["schema"] = new JsonObject();
        schemas["Loose"] = new JsonObject { ["type"] = "object" };
        Json(paths, "/api/v1/bug-reports/bug-reports/{id}", "get", "200")["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Loose" };
        Json(paths, "/api/v1/orchestration/webhooks/github", "post", "200")["schema"] =
            new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } };
        schemas["FailureResultDto"]!["properties"]!["fingerprint"] = new JsonObject();

        var loose = Loose(document);

        Assert.Contains("POST /api/v1/orchestration/tasks/{id}/block 200 has no schema", loose);
        Assert.Contains("GET /api/v1/orchestration/failures/summary 200 is {}", loose);
        Assert.Contains("GET /api/v1/bug-reports/bug-reports/{id} 200 is an object without properties", loose);
        Assert.Contains("POST /api/v1/orchestration/webhooks/github 200 is a map, not an object with its properties", loose);
        Assert.Contains(loose, l => l.StartsWith("POST /api/v1/orchestration/failures 202", StringComparison.Ordinal) && l.EndsWith(".fingerprint is {}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/orchestration/api-keys", "name,role,expires_at", "name,role")]
    [InlineData("/api/v1/orchestration/tasks/{id}/escalate", "reason", "")]
    [InlineData("/api/v1/orchestration/tasks/{id}/assign", "action,agent_id,reason", "")]
    [InlineData("/api/v1/orchestration/tasks/{id}/messages", "text", "text")]
    [InlineData("/api/v1/orchestration/agents/{id}/update_status", "action,reason", "action")]
    [InlineData("/api/v1/orchestration/tasks/{id}/github_issue", "issue_number", "")]
    [InlineData("/api/v1/orchestration/tasks", "title,task_type,description,priority,due_date,estimated_duration,input_data,auto_assign,auto_retry,auto_escalate,max_retries,depends_on_ids,environment,max_run_minutes,budget_usd", "title,task_type")]
    [InlineData("/api/v1/orchestration/tasks/create_from_deployment_failure", "deployment_id,error_message,failed_step,server_hostname,domain,additional_info,environment", "deployment_id,error_message")]
    public async Task A_body_bound_to_a_request_record_is_documented_with_its_fields(string path, string fields, string required)
    {
        var document = await DocumentAsync();

        var body = document["paths"]![path]!["post"]!["requestBody"]!;
        var schema = body["content"]!["application/json"]!["schema"]!;
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        }

        Assert.Equal(fields.Split(','), schema["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(required.Split(',', StringSplitOptions.RemoveEmptyEntries), (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()));
        Assert.Equal(required.Length > 0, (bool?)body["required"] ?? false);
    }

    private async Task<JsonObject> DocumentAsync() =>
        await (await app.CreateClientWithToken(null).GetAsync("/api/docs/v1.json")).ReadObjectAsync();

    private static JsonObject Json(JsonObject paths, string path, string method, string status) =>
        paths[path]![method]!["responses"]![status]!["content"]!["application/json"]!.AsObject();

    /// <summary>Each success answer (or a field inside one) whose schema does not say what is written.</summary>
    private static List<string> Loose(JsonObject document)
    {
        var schemas = document["components"]!["schemas"]!.AsObject();
        var loose = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject().Where(p => ApiPrefixes.Any(a => p.Key.StartsWith(a, StringComparison.Ordinal))))
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (status, response) in operation!["responses"]!.AsObject().Where(r => r.Key.StartsWith('2') && r.Key != "204"))
                {
                    var where = $"{method.ToUpperInvariant()} {path} {status}";
                    var json = response!["content"]?.AsObject().FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal)).Value;
                    if (response["content"] is JsonObject content && json is null && content.Count > 0)
                    {
                        continue; // a file (a screenshot) or CSV: its media type is the schema
                    }

                    if (json?["schema"] is not JsonObject schema)
                    {
                        loose.Add($"{where} has no schema");
                        continue;
                    }

                    Walk(schemas, schema, where, top: true, [], loose);
                }
            }
        }

        return loose;
    }

    private static void Walk(JsonObject schemas, JsonObject schema, string where, bool top, HashSet<string> seen, List<string> loose)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            if (reference == StoredJson && !top)
            {
                return;
            }

            var name = reference[(reference.LastIndexOf('/') + 1)..];
            if (seen.Add(name) && schemas[name] is JsonObject named)
            {
                Walk(schemas, named, where, top, seen, loose);
            }

            return;
        }

        foreach (var key in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (schema[key] is JsonArray choices)
            {
                foreach (var choice in choices.OfType<JsonObject>().Where(c => c["type"]?.ToString() != "null"))
                {
                    Walk(schemas, choice, where, top, seen, loose);
                }

                return;
            }
        }

        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList(),
            JsonValue one => [one.GetValue<string>()],
            _ => [],
        };
        if (types.Contains("array"))
        {
            if (schema["items"] is JsonObject items)
            {
                Walk(schemas, items, $"{where}[]", top, seen, loose);
            }
            else
            {
                loose.Add($"{where} is a list of anything");
            }

            return;
        }

        if (schema["properties"] is JsonObject { Count: > 0 } properties)
        {
            foreach (var (name, property) in properties)
            {
                Walk(schemas, property!.AsObject(), $"{where}.{name}", top: false, [.. seen], loose);
            }

            return;
        }

        if (schema["additionalProperties"] is JsonObject { Count: > 0 } values)
        {
            if (top)
            {
                loose.Add($"{where} is a map, not an object with its properties");
            }
            else
            {
                Walk(schemas, values, $"{where}{{}}", top: false, [.. seen], loose);
            }

            return;
        }

        if (types.Contains("object"))
        {
            loose.Add($"{where} is an object without properties");
        }
        else if (types.Count == 0)
        {
            loose.Add($"{where} is {{}}");
        }
    }
}
