using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// What an agent reports (progress, completion, failure), read by one set of rules whether it came as a REST body or as a
/// hub argument: the same fields, the same limits, the same messages when something is wrong.
/// </summary>
public static class AgentReports
{
    public const int MaxMessage = 5000;
    public const int MaxStep = 100;
    public const int MaxData = 64 * 1024;
    public const int MaxOutput = 256 * 1024;
    public const int MaxErrorDetails = 50_000;

    /// <summary>POST tasks/{id}/progress/: <c>{message, step?, percent?, data?, id?, usage?}</c>.</summary>
    public static ProgressReport Progress(JsonBody body) => new(
        body.String("message", required: true, max: MaxMessage) ?? "",
        body.String("step", max: MaxStep),
        body.Int("percent", 0, 100),
        body.Object("data", MaxData),
        body.Guid("id"),
        UsageInput.Read(body));

    /// <summary>POST tasks/{id}/complete/: <c>{output_data?, usage?}</c>.</summary>
    public static AgentCompletionReport Completion(JsonBody body) => new(body.Object("output_data", MaxOutput), UsageInput.Read(body));

    /// <summary>POST tasks/{id}/fail/: <c>{error_message, error_details? (text or an object), usage?}</c>.</summary>
    public static AgentFailureReport Failure(JsonBody body)
    {
        var message = body.String("error_message", required: true, max: MaxMessage);
        var details = body.Json.TryGetPropertyValue("error_details", out var node) && node is JsonObject
            ? body.Object("error_details", MaxErrorDetails)
            : body.String("error_details", max: MaxErrorDetails);
        return new(message ?? "", details, UsageInput.Read(body));
    }

    /// <summary>The hub's ReportProgress argument, read as the REST body is.</summary>
    public static ProgressReport ProgressFromHub(JsonElement? report) => FromHub(report, Progress);

    /// <summary>The hub's FailTask argument, read as the REST body is.</summary>
    public static AgentFailureReport FailureFromHub(JsonElement? failure) => FromHub(failure, Failure);

    /// <summary>
    /// The hub's CompleteTask argument is the output itself (a JSON object or null); a top-level <c>usage</c> member is the
    /// run's usage, taken out of the stored output.
    /// </summary>
    public static AgentCompletionReport CompletionFromHub(JsonElement? output)
    {
        var body = new JsonObject();
        if (output is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value)
        {
            var node = JsonNode.Parse(value.GetRawText());
            if (node is JsonObject outputObject && outputObject.Remove("usage", out var usage))
            {
                body["usage"] = usage;
            }

            body["output_data"] = node;
        }

        return Checked(JsonBody.From(body), Completion);
    }

    private static T FromHub<T>(JsonElement? argument, Func<JsonBody, T> read)
    {
        var node = argument is { ValueKind: not JsonValueKind.Undefined } value ? JsonNode.Parse(value.GetRawText()) : null;
        return node is JsonObject report
            ? Checked(JsonBody.From(report), read)
            : throw RefusedException.BadRequest($"the report must be a JSON object, not {JsonKinds.Describe(node)}");
    }

    private static T Checked<T>(JsonBody body, Func<JsonBody, T> read)
    {
        var report = read(body);
        return body.IsValid ? report : throw RefusedException.BadRequest(string.Join("; ", body.Errors.SelectMany(e => e.Value)));
    }
}

public sealed record AgentCompletionReport(string? Output, UsageReport? Usage);

public sealed record AgentFailureReport(string Message, string? Details, UsageReport? Usage);
