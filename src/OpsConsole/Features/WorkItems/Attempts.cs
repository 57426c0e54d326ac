using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>What one run reported it used: tokens in and out, what it cost, and the model.</summary>
public sealed record UsageDto(long InputTokens, long OutputTokens, decimal CostUsd, string? Model);

/// <summary>One run of a task on one agent: <c>GET tasks/{id}/attempts/</c>, and <c>previous_attempts</c> in what an agent receives.</summary>
public sealed record AttemptDto(
    int Attempt,
    Guid AgentId,
    string? AgentName,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string Outcome,
    string? ErrorMessage,
    string? OutputTail,
    UsageDto? Usage);

/// <summary>The attempts of a task, read for the attempts route, the task page and the tasks handed to agents.</summary>
public static class Attempts
{
    /// <summary>Every attempt of the task, oldest first, numbered from 1.</summary>
    public static async Task<List<AttemptDto>> ListAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        await DescribeAsync(db, taskId, await RunsAsync(db, taskId, cancellationToken), cancellationToken);

    /// <summary>
    /// The attempts before the running one, oldest first: what the next agent should know so it does not repeat them. A
    /// first attempt has none, and then its usage is not read (this answers every report an agent sends).
    /// </summary>
    public static async Task<List<AttemptDto>> PreviousAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken)
    {
        var runs = await RunsAsync(db, taskId, cancellationToken);
        return runs.All(a => a.IsActive) ? [] : [.. (await DescribeAsync(db, taskId, runs, cancellationToken)).Where(a => a.Outcome != "running")];
    }

    private static Task<List<Assignment>> RunsAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        Runs.For(db)(db, taskId).ToListAsync(cancellationToken).AsTask();

    /// <summary>Compiled: every report an agent completes is answered with the task's earlier runs.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, IAsyncEnumerable<Assignment>>> Runs = new(() =>
        EF.CompileAsyncQuery<OpsDbContext, Guid, Assignment>((db, taskId) =>
            db.Assignments.AsNoTracking().Include(a => a.Agent).Where(a => a.WorkItemId == taskId).OrderBy(a => a.AssignedAt)));

    private static async Task<List<AttemptDto>> DescribeAsync(OpsDbContext db, Guid taskId, List<Assignment> runs, CancellationToken cancellationToken)
    {
        var usage = await Usage.ByAttemptAsync(db, taskId, cancellationToken);
        return runs.Select((a, i) => new AttemptDto(
            i + 1, a.AgentId, a.Agent?.Name, a.AcceptedAt, a.CompletedAt, AttemptOutcome.Of(a),
            Redactor.Redact(a.ErrorMessage), Redactor.Redact(a.OutputTail), usage.GetValueOrDefault(a.Id))).ToList();
    }

    /// <summary>Previous attempts of several tasks at once (an agent's current tasks).</summary>
    public static async Task<Dictionary<Guid, List<AttemptDto>>> PreviousAsync(OpsDbContext db, IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, List<AttemptDto>>();
        foreach (var id in taskIds)
        {
            found[id] = await PreviousAsync(db, id, cancellationToken);
        }

        return found;
    }
}

/// <summary>Usage reported by the agents, summed per attempt.</summary>
public static class Usage
{
    public static async Task<Dictionary<Guid, UsageDto>> ByAttemptAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken)
    {
        // Summed in memory: a task has a handful of reports per run, and SQLite cannot sum decimals.
        var records = await Records.For(db)(db, taskId).ToListAsync(cancellationToken);
        return records.GroupBy(u => u.AssignmentId!.Value).ToDictionary(
            g => g.Key,
            g => new UsageDto(g.Sum(u => u.InputTokens), g.Sum(u => u.OutputTokens), g.Sum(u => u.CostUsd), g.Select(u => u.Model).LastOrDefault(m => m is not null)));
    }

    /// <summary>Compiled, as <see cref="Attempts"/>' runs: read with them for every completed report's answer.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, Guid, IAsyncEnumerable<UsageRecord>>> Records = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db, Guid taskId) => db.UsageRecords.AsNoTracking().Where(u => u.WorkItemId == taskId && u.AssignmentId != null)));
}
