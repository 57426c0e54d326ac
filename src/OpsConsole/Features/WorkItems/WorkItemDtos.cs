using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;

namespace OpsConsole.Features.WorkItems;

/// <summary>The original's TaskList fields plus OpsConsole's additions.</summary>
public sealed record TaskListDto(
    Guid Id,
    string Title,
    string TaskType,
    string Priority,
    string Status,
    Guid? AssignedAgent,
    string? AssignedAgentName,
    DateTime? DueDate,
    string EstimatedDuration,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    int RetryCount,
    int EscalationLevel,
    DateTime CreatedOn,
    DateTime ModifiedOn,
    double PriorityScore,
    bool IsOverdue,
    string DurationSoFar,
    int? GithubIssueNumber,
    string? Environment,
    string? Fingerprint,
    int Occurrences,
    DateTime? FirstSeen,
    DateTime? LastSeen,
    DateTime? NextAttemptAt,
    bool NeedsAttention,
    string GithubIssueState,
    Guid? RegressionOf,
    IReadOnlyList<PullRequestDto> PullRequests,
    int? MaxRunMinutes,
    decimal? BudgetUsd,
    decimal CostUsd)
{
    /// <summary>The runs before the current one, oldest first: only in an agent's current tasks.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AttemptDto>? PreviousAttempts { get; init; }

    public static TaskListDto From(WorkItem w, DateTime now) => new(
        w.Id, w.Title, w.Kind.Wire(), w.Priority.Wire(), w.Status.Wire(), w.AssignedAgentId, w.AssignedAgent?.Name,
        w.DueDate, ApiJson.Duration(w.EstimatedDuration), w.StartedAt, w.CompletedAt, w.RetryCount, w.EscalationLevel,
        w.CreatedOn, w.ModifiedOn, w.PriorityScore(now), w.IsOverdue(now), DurationSeconds(w, now), w.GithubIssueNumber,
        w.Environment, w.Fingerprint, w.Occurrences, w.FirstSeen, w.LastSeen, w.NextAttemptAt, w.NeedsAttention,
        WireFormat.Of(w.GithubIssueState), w.RegressionOfId,
        PullRequestDto.Of(w), w.MaxRunMinutes, w.BudgetUsd, w.CostUsd);

    internal static string DurationSeconds(WorkItem w, DateTime now) =>
        w.DurationSoFar(now).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record OwnerDto(string Id, string Username, string FirstName, string LastName, string Email, string DisplayName)
{
    public static OwnerDto From(string owner) => new(owner, owner, "", "", "", owner);
}

/// <summary>The original's TaskDetail fields plus OpsConsole's additions.</summary>
public record TaskDetailDto(
    Guid Id,
    string Title,
    string Description,
    string TaskType,
    string Priority,
    string Status,
    AgentDto? AssignedAgent,
    string? AssignedAgentName,
    OwnerDto Owner,
    DateTime? DueDate,
    string EstimatedDuration,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    JsonNode? InputData,
    JsonNode? OutputData,
    string? ErrorDetails,
    IReadOnlyList<TaskListDto> DependsOn,
    IReadOnlyList<TaskListDto> DependentTasks,
    int? GithubIssueNumber,
    string? GithubIssueUrl,
    int RetryCount,
    int MaxRetries,
    int EscalationLevel,
    bool AutoAssign,
    bool AutoRetry,
    bool AutoEscalate,
    DateTime CreatedOn,
    DateTime ModifiedOn,
    string CreatedBy,
    string ModifiedBy,
    double PriorityScore,
    bool IsOverdue,
    string DurationSoFar,
    bool CanBeAssigned,
    bool HasUnmetDependencies,
    string? Environment,
    string? Source,
    string? Fingerprint,
    int Occurrences,
    DateTime? FirstSeen,
    DateTime? LastSeen,
    DateTime? NextAttemptAt,
    bool NeedsAttention,
    string? AttentionReason,
    string GithubIssueState,
    Guid? RegressionOf,
    IReadOnlyList<PullRequestDto> PullRequests,
    int? MaxRunMinutes,
    decimal? BudgetUsd,
    decimal CostUsd)
{
    /// <summary>The runs before the current one, oldest first, so the next agent does not repeat the last one's mistake.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AttemptDto>? PreviousAttempts { get; init; }

    public static TaskDetailDto From(WorkItem w, DateTime now) => new(
        w.Id, w.Title, w.Description, w.Kind.Wire(), w.Priority.Wire(), w.Status.Wire(),
        w.AssignedAgent is null ? null : AgentDto.From(w.AssignedAgent, now), w.AssignedAgent?.Name, OwnerDto.From(w.Owner),
        w.DueDate, ApiJson.Duration(w.EstimatedDuration), w.StartedAt, w.CompletedAt,
        ApiJson.Node(w.InputData), ApiJson.Node(w.OutputData), w.ErrorDetails,
        w.DependsOn.Select(d => TaskListDto.From(d, now)).ToList(),
        w.DependentTasks.Select(d => TaskListDto.From(d, now)).ToList(),
        w.GithubIssueNumber, w.GithubIssueUrl, w.RetryCount, w.MaxRetries, w.EscalationLevel,
        w.AutoAssign, w.AutoRetry, w.AutoEscalate, w.CreatedOn, w.ModifiedOn, w.CreatedBy, w.ModifiedBy,
        w.PriorityScore(now), w.IsOverdue(now), TaskListDto.DurationSeconds(w, now),
        w.CanBeAssigned(now), w.HasUnmetDependencies, w.Environment, w.Source, w.Fingerprint, w.Occurrences,
        w.FirstSeen, w.LastSeen, w.NextAttemptAt, w.NeedsAttention, w.AttentionReason, WireFormat.Of(w.GithubIssueState), w.RegressionOfId,
        PullRequestDto.Of(w), w.MaxRunMinutes, w.BudgetUsd, w.CostUsd);
}

/// <summary>
/// The answer to an action on one task (block, unblock, start, release, complete, fail): the original's <c>message</c> first,
/// then the task's detail.
/// </summary>
public sealed record TaskActedDetailDto : TaskDetailDto
{
    public TaskActedDetailDto(string message, TaskDetailDto detail)
        : base(detail) => Message = message;

    [JsonPropertyOrder(-1)]
    public string Message { get; }
}

/// <summary>A pull request that works on the task: state draft, open, merged or closed; checks pending, success, failure or null.</summary>
public sealed record PullRequestDto(int Number, string Url, string State, string HeadSha, string? Checks)
{
    public static IReadOnlyList<PullRequestDto> Of(WorkItem w) =>
        w.PullRequests.OrderBy(p => p.Number).Select(p => new PullRequestDto(p.Number, p.Url, WireFormat.Of(p.State), p.HeadSha, p.Checks is { } c ? WireFormat.Of(c) : null)).ToList();
}

public sealed record LogEntryDto(
    Guid Id,
    Guid Task,
    Guid? Agent,
    string? TaskTitle,
    string? AgentName,
    string LogLevel,
    string Message,
    string StepName,
    JsonNode? StepData,
    double? ExecutionTime,
    int? Percent,
    string Actor,
    string ActorType,
    DateTime CreatedOn)
{
    public static LogEntryDto From(WorkItemLogEntry e) => new(
        e.Id, e.WorkItemId, e.AgentId, e.WorkItem?.Title, e.Agent?.Name, e.Level.ToString().ToUpperInvariant(), e.Message, e.StepName,
        ApiJson.Node(e.StepData), e.ExecutionTime, e.Percent, e.Actor, WireFormat.Of(e.ActorKind), e.CreatedOn);
}

public sealed record AssignmentDto(
    Guid Id,
    TaskListDto? Task,
    AgentDto? Agent,
    string AssignedBy,
    string AssignmentReason,
    double Score,
    JsonNode? Candidates,
    DateTime AssignedAt,
    DateTime? AcceptedAt,
    DateTime? CompletedAt,
    bool IsActive,
    string? EndReason)
{
    public static AssignmentDto From(Assignment a, DateTime now) => new(
        a.Id, a.WorkItem is null ? null : TaskListDto.From(a.WorkItem, now), a.Agent is null ? null : AgentDto.From(a.Agent, now),
        a.AssignedBy, a.AssignmentReason, a.Score, ApiJson.Node(a.Candidates), a.AssignedAt, a.AcceptedAt, a.CompletedAt, a.IsActive, a.EndReason);
}
