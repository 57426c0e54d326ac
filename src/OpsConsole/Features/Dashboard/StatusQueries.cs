using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents.Demo;
using OpsConsole.Features.Health;

namespace OpsConsole.Features.Dashboard;

public sealed record HealthSummaryDto(string Status, string Message)
{
    public static HealthSummaryDto From(HealthSummary summary) => new(WireFormat.Of(summary.Status), summary.Message);
}

public sealed record StatusTasks(int Total, int Pending, int Assigned, int InProgress, int Completed, int Failed, int Escalated, int Blocked, int Review, int Cancelled, int NeedsAttention, int WaitingForRetry);

public sealed record StatusAgents(int Total, int Available, int Busy, int Offline, int Error, int Maintenance);

/// <summary>Reference §10.1 spells these tasks_created_24h and failures_24h (the naming policy alone would drop the last underscore).</summary>
public sealed record StatusActivity(
    [property: System.Text.Json.Serialization.JsonPropertyName("tasks_created_24h")] int TasksCreated24h,
    [property: System.Text.Json.Serialization.JsonPropertyName("failures_24h")] int Failures24h);

/// <summary>GET status/status/ (reference §10.1).</summary>
public sealed record StatusDto(DateTime Timestamp, StatusTasks Tasks, StatusAgents Agents, StatusActivity RecentActivity, HealthSummaryDto SystemHealth, bool DryRun, bool Demo = false);

public sealed record DashboardTasks([property: System.Text.Json.Serialization.JsonPropertyName("recent_24h")] int Recent24h, int Pending, int Assigned, int InProgress, int CompletedToday, int FailedToday, int NeedsAttention, int OpenEmergencies);

public sealed record DashboardAgents(int Total, int Available, int Busy, int Offline);

/// <summary>GET status/dashboard/ (reference §10.2), with the deployment-failure count that really counts.</summary>
/// <summary>GET status/dashboard/ (reference §10.2); <c>suppressed_failures</c>: failures a maintenance window held back in the last 24 h.</summary>
public sealed record DashboardDto(DateTime Timestamp, DashboardTasks Tasks, DashboardAgents Agents, int RecentDeploymentFailures, HealthSummaryDto SystemHealth, int SuppressedFailures = 0);

public sealed record TaskTypeMetric(string TaskType, int Total, int Completed, int Failed);

public sealed record AgentMetric(Guid Id, string Name, string AgentType, string Status, double SuccessRate, int TotalTasksCompleted, int TotalTasksFailed, int CurrentTaskCount, int MaxConcurrentTasks);

public sealed record HourMetric(int Hour, DateTime Timestamp, int TasksCreated, int TasksCompleted, int TasksFailed);

/// <summary>GET status/metrics/ (reference §10.3): 24 hourly buckets computed from three queries, not 72.</summary>
public sealed record MetricsDto(IReadOnlyList<TaskTypeMetric> TaskTypes, IReadOnlyList<AgentMetric> Agents, IReadOnlyList<HourMetric> RecentActivity);

/// <summary>The status, dashboard and metrics payloads; shared by the API, the console and opsctl.</summary>
public sealed class StatusQueries(IDbContextFactory<OpsDbContext> dbFactory, HealthService health, TimeProvider time, Microsoft.Extensions.Options.IOptionsMonitor<Orchestration.OrchestrationOptions> options, DemoMode demo)
{
    /// <summary>The open tasks the wall shows, most urgent first: by priority, then those that need a person, then the oldest.</summary>
    public async Task<List<WorkItem>> UrgentAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
            .Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled)
            .OrderByDescending(w => w.Priority).ThenByDescending(w => w.NeedsAttention).ThenBy(w => w.CreatedOn)
            .Take(take).ToListAsync(cancellationToken);
    }

    public static readonly string[] DeploymentSources = ["production_deployment_failure", "production_deployment_monitor", "manual_api_creation", "enhanced_deployment_orchestrator", "deployment_log", "github_webhook", "failure_api"];

    public async Task<StatusDto> StatusAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var byStatus = await CountByStatusAsync(db, cancellationToken);
        int Count(WorkItemStatus s) => byStatus.GetValueOrDefault(s);
        var open = db.WorkItems.Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled);
        var tasks = new StatusTasks(
            byStatus.Values.Sum(), Count(WorkItemStatus.Pending), Count(WorkItemStatus.Assigned), Count(WorkItemStatus.InProgress),
            Count(WorkItemStatus.Completed), Count(WorkItemStatus.Failed),
            await open.CountAsync(w => w.EscalationLevel > 0, cancellationToken),
            Count(WorkItemStatus.Blocked), Count(WorkItemStatus.Review), Count(WorkItemStatus.Cancelled),
            await db.WorkItems.CountAsync(w => w.NeedsAttention, cancellationToken),
            await db.WorkItems.CountAsync(w => w.Status == WorkItemStatus.Pending && w.NextAttemptAt != null && w.NextAttemptAt > now, cancellationToken));

        var agents = await db.Agents.AsNoTracking().Select(a => new { a.Status, a.IsActive }).ToListAsync(cancellationToken);
        var agentCounts = new StatusAgents(
            agents.Count,
            agents.Count(a => a.IsActive && a.Status == AgentStatus.Available),
            agents.Count(a => a.IsActive && a.Status == AgentStatus.Busy),
            agents.Count(a => a.Status == AgentStatus.Offline),
            agents.Count(a => a.Status == AgentStatus.Error),
            agents.Count(a => a.Status == AgentStatus.Maintenance));

        var activity = new StatusActivity(
            await db.WorkItems.CountAsync(w => w.CreatedOn >= since, cancellationToken),
            await db.WorkItems.CountAsync(w => w.LastFailedAt != null && w.LastFailedAt >= since, cancellationToken));

        return new StatusDto(now, tasks, agentCounts, activity, HealthSummaryDto.From(await health.SummaryAsync(cancellationToken)), options.CurrentValue.DryRun, demo.IsOn);
    }

    public async Task<DashboardDto> DashboardAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var byStatus = await CountByStatusAsync(db, cancellationToken);
        int Count(WorkItemStatus s) => byStatus.GetValueOrDefault(s);
        var tasks = new DashboardTasks(
            await db.WorkItems.CountAsync(w => w.CreatedOn >= since, cancellationToken),
            Count(WorkItemStatus.Pending) + Count(WorkItemStatus.Escalated),
            Count(WorkItemStatus.Assigned),
            Count(WorkItemStatus.InProgress),
            await db.WorkItems.CountAsync(w => w.Status == WorkItemStatus.Completed && w.CompletedAt >= since, cancellationToken),
            await db.WorkItems.CountAsync(w => w.LastFailedAt != null && w.LastFailedAt >= since, cancellationToken),
            await db.WorkItems.CountAsync(w => w.NeedsAttention, cancellationToken),
            await db.WorkItems.CountAsync(w => w.Priority == WorkItemPriority.Emergency && w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled, cancellationToken));

        var agents = await db.Agents.AsNoTracking().Select(a => new { a.Status, a.IsActive }).ToListAsync(cancellationToken);
        var agentCounts = new DashboardAgents(
            agents.Count,
            agents.Count(a => a.IsActive && a.Status == AgentStatus.Available),
            agents.Count(a => a.IsActive && a.Status == AgentStatus.Busy),
            agents.Count(a => a.Status == AgentStatus.Offline));

        var deploymentFailures = await db.WorkItems.CountAsync(
            w => w.Kind == WorkItemKind.Deployment && w.Source != null && DeploymentSources.Contains(w.Source) && w.LastSeen >= since, cancellationToken);
        var suppressed = await db.FailureRecords.CountAsync(f => f.Outcome == IntakeOutcome.Suppressed && f.ReceivedAt >= since, cancellationToken);
        return new DashboardDto(now, tasks, agentCounts, deploymentFailures, HealthSummaryDto.From(await health.SummaryAsync(cancellationToken)), suppressed);
    }

    public async Task<MetricsDto> MetricsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var types = await db.WorkItems.GroupBy(w => w.Kind)
            .Select(g => new
            {
                Kind = g.Key,
                Total = g.Count(),
                Completed = g.Count(w => w.Status == WorkItemStatus.Completed),
                Failed = g.Count(w => w.Status == WorkItemStatus.Failed),
            })
            .ToListAsync(cancellationToken);
        var taskTypes = types.OrderBy(t => t.Kind).Select(t => new TaskTypeMetric(t.Kind.Wire(), t.Total, t.Completed, t.Failed)).ToList();

        var agents = (await db.Agents.AsNoTracking().Where(a => a.IsActive).ToListAsync(cancellationToken))
            .OrderByDescending(a => a.PriorityWeight).ThenBy(a => a.Name)
            .Select(a => new AgentMetric(a.Id, a.Name, a.Kind.Wire(), a.Status.Wire(), Math.Round(a.SuccessRate, 4), a.TotalTasksCompleted, a.TotalTasksFailed, a.ActiveTaskCount, a.MaxConcurrentTasks))
            .ToList();

        var created = await db.WorkItems.Where(w => w.CreatedOn >= since).Select(w => w.CreatedOn).ToListAsync(cancellationToken);
        var completed = await db.WorkItems.Where(w => w.Status == WorkItemStatus.Completed && w.CompletedAt >= since).Select(w => w.CompletedAt!.Value).ToListAsync(cancellationToken);
        var failed = await db.LogEntries.Where(l => l.StepName == "failure" && l.CreatedOn >= since).Select(l => l.CreatedOn).ToListAsync(cancellationToken);

        var buckets = new List<HourMetric>(24);
        for (var hour = 0; hour < 24; hour++)
        {
            var end = now.AddHours(-hour);
            var start = end.AddHours(-1);
            bool In(DateTime t) => t >= start && t < end;
            buckets.Add(new HourMetric(hour, end, created.Count(In), completed.Count(In), failed.Count(In)));
        }

        return new MetricsDto(taskTypes, agents, buckets);
    }

    /// <summary>Median time from creation to first assignment, and from creation to completion, over the last 24 hours.</summary>
    public async Task<(TimeSpan? ToAssign, TimeSpan? ToResolve)> TimingsAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().UtcDateTime.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var assigned = await db.Assignments.Where(a => a.AssignedAt >= since)
            .GroupBy(a => a.WorkItemId)
            .Select(g => new { First = g.Min(a => a.AssignedAt), Created = g.Select(a => a.WorkItem!.CreatedOn).First() })
            .Take(5000).ToListAsync(cancellationToken);
        var resolved = await db.WorkItems.Where(w => w.Status == WorkItemStatus.Completed && w.CompletedAt >= since)
            .Select(w => new { w.CreatedOn, w.CompletedAt }).Take(5000).ToListAsync(cancellationToken);
        return (Median(assigned.Select(a => a.First - a.Created)), Median(resolved.Select(r => r.CompletedAt!.Value - r.CreatedOn)));
    }

    /// <summary>The latest execution-log entries across all tasks, newest first (the activity timeline).</summary>
    public async Task<List<(WorkItemLogEntry Entry, string TaskTitle)>> RecentActivityAsync(int count, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = await db.LogEntries.AsNoTracking().Include(l => l.WorkItem)
            .OrderByDescending(l => l.CreatedOn).Take(count).ToListAsync(cancellationToken);
        return entries.Select(e => (e, e.WorkItem?.Title ?? "")).ToList();
    }

    private static TimeSpan? Median(IEnumerable<TimeSpan> spans)
    {
        var sorted = spans.Where(s => s >= TimeSpan.Zero).OrderBy(s => s).ToList();
        return sorted.Count == 0 ? null : sorted[sorted.Count / 2];
    }

    private static async Task<Dictionary<WorkItemStatus, int>> CountByStatusAsync(OpsDbContext db, CancellationToken cancellationToken) =>
        await db.WorkItems.GroupBy(w => w.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
}
