using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.Features.Agents;

public sealed record AgentDto(
    Guid Id,
    string Name,
    string AgentType,
    string Status,
    IReadOnlyList<string> Capabilities,
    int MaxConcurrentTasks,
    double PriorityWeight,
    double SuccessRate,
    string AverageCompletionTime,
    DateTime? LastHeartbeat,
    string? EndpointUrl,
    JsonNode? Configuration,
    int TotalTasksCompleted,
    int TotalTasksFailed,
    bool IsActive,
    DateTime CreatedOn,
    DateTime ModifiedOn,
    int CurrentTaskCount,
    bool IsAvailableForAssignment,
    double EfficiencyScore,
    IReadOnlyList<string> Environments,
    string? LastSeenIp,
    double? HeartbeatAgeSeconds)
{
    public static AgentDto From(Agent a, DateTime now) => new(
        a.Id, a.Name, a.Kind.Wire(), a.Status.Wire(), a.Capabilities.Select(c => c.Wire()).ToList(), a.MaxConcurrentTasks,
        a.PriorityWeight, Math.Round(a.SuccessRate, 4), ApiJson.Duration(a.AverageCompletionTime), a.LastHeartbeat, a.EndpointUrl,
        ApiJson.Node(a.Configuration), a.TotalTasksCompleted, a.TotalTasksFailed, a.IsActive, a.CreatedOn, a.ModifiedOn,
        a.ActiveTaskCount, a.IsAvailableForAssignment, Math.Round(a.EfficiencyScore, 4), a.Environments,
        a.LastSeenIp, a.LastHeartbeat is { } hb ? Math.Round((now - hb).TotalSeconds, 1) : null);
}
