using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OpsConsole.Api;

namespace OpsConsole.Features.WorkItems;

/// <summary>The optional body of escalate/, cancel/ and block/: <c>{"reason": "…"}</c> (at most 1,000 characters).</summary>
public sealed record ReasonBody(string? Reason = null) : IRequestRecord<ReasonBody>
{
    public static JsonTypeInfo<ReasonBody> JsonType => WorkItemJson.Default.ReasonBody;

    public static bool AllowsEmpty => true;
}

/// <summary>
/// The optional body of assign/: <c>agent_id</c> to assign to that agent (otherwise the best one is chosen), a <c>reason</c>,
/// and the original's <c>action</c> (assign, retry, escalate, cancel or complete; only checked).
/// </summary>
public sealed record AssignBody(string? Action = null, string? AgentId = null, string? Reason = null) : IRequestRecord<AssignBody>
{
    public static JsonTypeInfo<AssignBody> JsonType => WorkItemJson.Default.AssignBody;

    public static bool AllowsEmpty => true;
}

/// <summary>The body of messages/: the <c>text</c> for the agent that runs the task.</summary>
public sealed record TaskMessageBody(string? Text) : IRequestRecord<TaskMessageBody>
{
    public static JsonTypeInfo<TaskMessageBody> JsonType => WorkItemJson.Default.TaskMessageBody;
}

/// <summary>
/// The body of POST tasks/ (and a preview's <c>task</c>): what the task is, when it is due and how long it should take
/// (<c>estimated_duration</c>: "HH:MM:SS", "D HH:MM:SS" or seconds), its input, how the engine treats it, what it depends on
/// and its limits.
/// </summary>
public sealed record NewTaskBody(
    string? Title,
    string? TaskType,
    string? Description = null,
    string? Priority = null,
    string? DueDate = null,
    JsonNode? EstimatedDuration = null,
    JsonObject? InputData = null,
    bool? AutoAssign = null,
    bool? AutoRetry = null,
    bool? AutoEscalate = null,
    int? MaxRetries = null,
    IReadOnlyList<string?>? DependsOnIds = null,
    string? Environment = null,
    int? MaxRunMinutes = null,
    decimal? BudgetUsd = null) : IRequestRecord<NewTaskBody>
{
    public static JsonTypeInfo<NewTaskBody> JsonType => WorkItemJson.Default.NewTaskBody;
}

/// <summary>The request records of the task routes, bound by generated code.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ReasonBody))]
[JsonSerializable(typeof(AssignBody))]
[JsonSerializable(typeof(TaskMessageBody))]
[JsonSerializable(typeof(NewTaskBody))]
internal sealed partial class WorkItemJson : JsonSerializerContext;
