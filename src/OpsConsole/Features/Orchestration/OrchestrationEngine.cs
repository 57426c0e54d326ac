using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The one writer of task and agent state. Every change goes through here: it loads, applies entity methods
/// (which check the transition), writes the execution log, commits, and then tries to assign whatever can be
/// assigned, so work moves the moment capacity appears instead of at the next sweep.
/// </summary>
public sealed class OrchestrationEngine(
    IDbContextFactory<OpsDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<OrchestrationOptions> options,
    EngineStatistics statistics,
    IDueWorkScheduler scheduler,
    Random random,
    ILogger<OrchestrationEngine> logger)
{
    /// <summary>How many waiting tasks one assignment pass looks at per free agent slot.</summary>
    private const int LookAheadPerSlot = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly SemaphoreSlim gate = new(1, 1);

    private OrchestrationOptions Settings => options.CurrentValue;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    // ---------------------------------------------------------------- tasks

    public async Task<WorkItem> CreateAsync(NewWorkItem spec, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await AddTaskAsync(db, spec, actor, now, cancellationToken);
            await CommitCreatedAsync(db, [item], now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>
    /// Adds a new task to <paramref name="db"/> (with its creation log and task_creation rules) without saving; for
    /// callers that run inside <see cref="WriteAsync{T}"/> and create several tasks, or check for duplicates, in one transaction.
    /// </summary>
    internal async Task<WorkItem> AddTaskAsync(OpsDbContext db, NewWorkItem spec, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var item = new WorkItem
        {
            // Whatever arrives (API, hub, intake) is redacted before it is stored: people and agents paste credentials.
            Title = RedactedTitle(spec.Title),
            Description = Redactor.Redact(spec.Description)!,
            Kind = spec.Kind,
            DueDate = spec.DueDate,
            EstimatedDuration = spec.EstimatedDuration,
            InputData = Redactor.RedactJson(spec.InputData)!,
            AutoAssign = spec.AutoAssign,
            AutoRetry = spec.AutoRetry,
            AutoEscalate = spec.AutoEscalate,
            MaxRetries = spec.MaxRetries,
            Environment = spec.Environment,
            Source = spec.Source,
            Fingerprint = spec.Fingerprint,
            RegressionOfId = spec.RegressionOf,
            Owner = spec.Owner ?? actor.Name,
            CreatedBy = actor.Name,
            ModifiedBy = actor.Name,
            CreatedOn = now,
            FirstSeen = now,
            LastSeen = now,
            GithubIssueNumber = spec.GithubIssueNumber,
            GithubIssueUrl = spec.GithubIssueUrl,
            GithubIssueState = spec.GithubIssueNumber is null ? GitHubIssueState.None : GitHubIssueState.Synced,
        };
        item.SetPriority(spec.Priority, now);

        if (spec.DependsOn.Count > 0)
        {
            var ids = spec.DependsOn.Distinct().ToList();
            var dependencies = await db.WorkItems.Where(w => ids.Contains(w.Id)).ToListAsync(cancellationToken);
            var missing = ids.Except(dependencies.Select(d => d.Id)).ToList();
            if (missing.Count > 0)
            {
                throw RefusedException.BadRequest($"depends_on_ids: no task with id {string.Join(", ", missing)}");
            }

            item.DependsOn.AddRange(dependencies);
        }

        db.WorkItems.Add(item);
        Log(db, item, LogSeverity.Info, "created", $"Task created by {actor.Name}: {item.Kind.Wire()}, {item.Priority.Wire()}", actor, now);
        await ApplyCreationRulesAsync(db, item, now, cancellationToken);
        return item;
    }

    /// <summary>Saves what <see cref="AddTaskAsync"/> (and the caller) added, wakes the engine at the new deadlines and assigns what can go.</summary>
    internal async Task<int> CommitCreatedAsync(OpsDbContext db, IReadOnlyCollection<WorkItem> created, DateTime now, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        foreach (var due in created.Select(w => w.DueDate).OfType<DateTime>().Where(d => d > now && d < now.AddYears(10)).Distinct())
        {
            scheduler.WakeAt(due.AddSeconds(1));
        }

        return await AssignWaitingAsync(db, now, cancellationToken);
    }

    /// <summary>
    /// The same problem was seen again (<paramref name="times"/> times) while its task is open: more occurrences and one
    /// execution-log entry on that task instead of a new task. Runs inside <see cref="WriteAsync{T}"/>; the caller saves.
    /// </summary>
    internal static void RecordOccurrences(OpsDbContext db, WorkItem item, int times, string message, string stepData, Actor actor, DateTime now)
    {
        var first = item.Occurrences + 1;
        item.RecordOccurrence(now, times);
        var which = times == 1 ? $"occurrence {item.Occurrences}" : $"{times} times, occurrences {first}–{item.Occurrences}";
        Log(db, item, LogSeverity.Warning, "occurrence", $"Seen again ({which}): {message}", actor, now, stepData);
    }

    /// <summary>Writes an execution-log entry on a task inside <see cref="WriteAsync{T}"/>; the caller saves.</summary>
    internal static WorkItemLogEntry AddLog(OpsDbContext db, WorkItem item, LogSeverity level, string step, string message, Actor actor, DateTime now, string stepData = "{}") =>
        Log(db, item, level, step, message, actor, now, stepData);

    /// <summary>Active task_creation rules, lowest priority number first, each applied when its conditions match.</summary>
    private static async Task ApplyCreationRulesAsync(OpsDbContext db, WorkItem item, DateTime now, CancellationToken cancellationToken)
    {
        var rules = await db.Rules.Where(r => r.IsActive && r.Kind == RuleKind.TaskCreation)
            .OrderBy(r => r.Priority).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        foreach (var rule in rules)
        {
            try
            {
                if (!RuleEvaluator.Matches(rule.TriggerConditions, item))
                {
                    continue;
                }

                var effect = RuleEvaluator.Effect(rule.Actions);
                effect.ApplyTo(item, now);
                rule.Triggered(now);
                Log(db, item, LogSeverity.Info, "rule", $"Rule '{rule.Name}' applied: {effect.Describe()}", Actor.Engine, now,
                    JsonSerializer.Serialize(new { rule_id = rule.Id, rule = rule.Name }, Json));
            }
            catch (JsonException)
            {
                // A rule stored before validation existed; it simply does not apply.
            }
        }
    }

    /// <summary>Assigns a task: to the given agent (a person's choice) or to the best agent the scorer finds.</summary>
    public async Task<AssignResult> AssignAsync(Guid taskId, Guid? agentId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            await db.Entry(item).Collection(w => w.DependsOn).LoadAsync(cancellationToken);
            if (!item.Status.IsWaiting())
            {
                throw RefusedException.Conflict($"only a pending or escalated task can be assigned; this one is {item.Status.Wire()}");
            }

            if (item.HasUnmetDependencies)
            {
                throw RefusedException.Conflict("the task waits for tasks it depends on to complete");
            }

            var agents = await db.Agents.ToListAsync(cancellationToken);
            Assignment assignment;
            AgentChoice? choice = null;
            if (agentId is { } id)
            {
                var agent = agents.FirstOrDefault(a => a.Id == id && a.IsActive)
                    ?? throw RefusedException.NotFound("Active agent", id);
                if (!agent.IsAvailableForAssignment)
                {
                    throw RefusedException.Conflict(
                        $"Agent {agent.Name} is not available for assignment (status {agent.Status.Wire()}, {agent.ActiveTaskCount}/{agent.MaxConcurrentTasks} tasks)");
                }

                assignment = Assign(db, item, agent, reason ?? "Manual assignment", AgentScorer.Score(item, agent), [], actor, now);
            }
            else
            {
                choice = AgentScorer.Choose(item, agents);
                if (choice.Agent is null)
                {
                    throw RefusedException.Conflict($"No suitable agent available: {choice.Reason}");
                }

                assignment = Assign(db, item, choice.Agent, choice.Reason, choice.Score, choice.Candidates, actor, now);
            }

            await db.SaveChangesAsync(cancellationToken);
            return new AssignResult(item, assignment, choice);
        }, cancellationToken);
    }

    public async Task<WorkItem> StartAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            await EnsureHolderAsync(db, item, actor, cancellationToken);
            if (item.Status == WorkItemStatus.InProgress)
            {
                return item; // a resent start changes nothing
            }

            Apply(() => item.Start(now));
            var assignment = await ActiveAssignmentAsync(db, item.Id, cancellationToken);
            assignment?.Accept(now);
            Log(db, item, LogSeverity.Info, "started", $"Work started by {item.AssignedAgent?.Name ?? actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task<WorkItemLogEntry> ProgressAsync(Guid taskId, ProgressReport report, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (report.Id is { } reportId && await db.LogEntries.FirstOrDefaultAsync(l => l.Id == reportId, cancellationToken) is { } earlier)
            {
                // A resent report (same client-supplied id) is answered with the entry it already made, never written twice.
                return earlier.WorkItemId == item.Id && earlier.AgentId == (actor.AgentId ?? earlier.AgentId)
                    ? earlier
                    : throw RefusedException.Conflict($"progress id {reportId} was already used for another report; send a new id for each report");
            }

            await EnsureHolderAsync(db, item, actor, cancellationToken);
            if (!item.Status.IsActive() && item.Status is not (WorkItemStatus.Blocked or WorkItemStatus.Review))
            {
                throw RefusedException.Conflict($"progress can only be reported on a task in work; this one is {item.Status.Wire()}");
            }

            if (item.Status == WorkItemStatus.Assigned)
            {
                item.Start(now);
                (await ActiveAssignmentAsync(db, item.Id, cancellationToken))?.Accept(now);
            }

            var entry = Log(db, item, LogSeverity.Info, report.Step ?? "progress", report.Message, actor, now, report.Data ?? "{}", report.Percent, entryId: report.Id);
            item.Touch(now);
            await db.SaveChangesAsync(cancellationToken);
            return entry;
        }, cancellationToken);
    }

    public async Task<WorkItem> CompleteAsync(Guid taskId, string? outputData, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (await AlreadyReportedAsync(db, item, actor, "completed", cancellationToken))
            {
                return item; // the completing agent resent its report: nothing changes, and it hears the same answer
            }

            await EnsureHolderAsync(db, item, actor, cancellationToken);
            var agent = item.AssignedAgent;
            outputData = Redactor.RedactJson(outputData);
            Apply(() => item.Complete(outputData, now));
            if (agent is not null)
            {
                agent.RecordOutcome(true, item.StartedAt is { } started ? now - started : null, now);
                await EndHoldAsync(db, item, agent, "completed", now, cancellationToken);
            }

            Log(db, item, LogSeverity.Info, "completed", $"Task completed by {actor.Name}", actor, now, outputData ?? "{}");
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>A failure reported by the agent (or a person): the failure policy retries, escalates or hands it to people.</summary>
    public async Task<FailResult> FailAsync(Guid taskId, string errorMessage, string? errorDetails, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (await AlreadyReportedAsync(db, item, actor, "failed", cancellationToken))
            {
                // A resent failure: the first one was applied (retry scheduled or escalated); this one changes nothing.
                return new FailResult(item, new FailureDecision(FailureOutcome.Retry, TimeSpan.Zero, "this failure was already reported; nothing changed"));
            }

            await EnsureHolderAsync(db, item, actor, cancellationToken);
            var decision = await HandleFailureAsync(db, item, errorMessage, errorDetails, actor, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return new FailResult(item, decision);
        }, cancellationToken);
    }

    public async Task<WorkItem> ReleaseAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (await AlreadyReportedAsync(db, item, actor, "released", cancellationToken))
            {
                return item; // a resent release changes nothing
            }

            await EnsureHolderAsync(db, item, actor, cancellationToken);
            var agent = item.AssignedAgent
                ?? throw RefusedException.Conflict($"no agent holds this task; it is {item.Status.Wire()}");
            Apply(() => item.ReturnToQueue(now));
            await EndHoldAsync(db, item, agent, "released", now, cancellationToken);
            Log(db, item, LogSeverity.Warning, "released", $"{agent.Name} gave the task back; it goes to another agent (no retry used)", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>A person asks for another attempt of a failed task, now.</summary>
    public async Task<WorkItem> RetryAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (!item.CanRetry)
            {
                throw RefusedException.Conflict($"Task cannot be retried: only a failed task can be retried; this one is {item.Status.Wire()}");
            }

            Apply(() => item.RetryNow(now));
            Log(db, item, LogSeverity.Info, "retry", $"Retried by {actor.Name} (attempt {item.RetryCount + 1})", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    /// <summary>Manual escalation: raises the level and the priority; it never fails or retries the task.</summary>
    public async Task<WorkItem> EscalateAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (item.Status.IsTerminal())
            {
                throw RefusedException.Conflict($"a {item.Status.Wire()} task cannot be escalated");
            }

            var before = item.Priority;
            Apply(() => item.Escalate(now));
            statistics.Escalated();
            var why = string.IsNullOrWhiteSpace(reason) ? "Manual escalation" : reason.Trim();
            Log(db, item, LogSeverity.Warning, "escalation",
                $"Escalated by {actor.Name} to level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}: {why}", actor, now,
                JsonSerializer.Serialize(new { escalation_level = item.EscalationLevel, previous_priority = before.Wire(), new_priority = item.Priority.Wire(), reason = why }, Json));
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task<WorkItem> CancelAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            var agent = item.AssignedAgent;
            Apply(() => item.Cancel(now));
            if (agent is not null)
            {
                await EndHoldAsync(db, item, agent, "cancelled", now, cancellationToken);
            }

            Log(db, item, LogSeverity.Warning, "cancelled", $"Cancelled by {actor.Name}{(string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}")}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    public Task<WorkItem> BlockAsync(Guid taskId, string? reason, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.Block(now), "blocked", $"Blocked by {actor.Name}{Suffix(reason)}", cancellationToken);

    public Task<WorkItem> UnblockAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.Unblock(now), "unblocked", $"Unblocked by {actor.Name}", cancellationToken);

    public Task<WorkItem> ReviewAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.SubmitForReview(now), "review", $"Submitted for review by {actor.Name}", cancellationToken);

    public Task<WorkItem> ResumeAsync(Guid taskId, Actor actor, CancellationToken cancellationToken) =>
        SimpleTransitionAsync(taskId, actor, (item, now) => item.ResumeFromReview(now), "resumed", $"Back in progress ({actor.Name})", cancellationToken);

    /// <summary>Applies a change of task fields (PATCH); status changes go through the transition methods.</summary>
    public async Task<WorkItem> UpdateAsync(Guid taskId, Action<WorkItem, DateTime> change, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            Apply(() => change(item, now));
            item.Title = RedactedTitle(item.Title);
            item.Description = Redactor.Redact(item.Description)!;
            item.InputData = Redactor.RedactJson(item.InputData)!;
            item.ModifiedBy = actor.Name;
            item.Touch(now);
            Log(db, item, LogSeverity.Info, "updated", $"Task edited by {actor.Name}", actor, now);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken);
    }

    public async Task DeleteAsync(Guid taskId, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        await WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            if (item.AssignedAgent is { } agent && item.Status.IsActive())
            {
                agent.ReleaseTask(now);
            }

            db.WorkItems.Remove(item);
            logger.LogInformation("Task {TaskId} ({Title}) deleted by {Actor}", item.Id, item.Title, actor.Name);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return true;
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- agents

    public async Task<Agent> HeartbeatAsync(Guid agentId, string? ip, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (db, now) =>
        {
            var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken)
                ?? throw RefusedException.NotFound("Agent", agentId);
            var wasOffline = agent.Status == AgentStatus.Offline;
            agent.Heartbeat(now, ip);
            await db.SaveChangesAsync(cancellationToken);
            if (wasOffline && agent.Status != AgentStatus.Offline)
            {
                logger.LogInformation("Agent {Agent} is back (heartbeat)", agent.Name);
                await AssignWaitingAsync(db, now, cancellationToken);
            }

            return agent;
        }, cancellationToken);
    }

    /// <summary>The original's update_status actions; taking an agent out of service hands its tasks to others.</summary>
    public async Task<Agent> UpdateAgentStatusAsync(Guid agentId, string action, Actor actor, CancellationToken cancellationToken)
    {
        AuditContext.Use(actor);
        return await WriteAsync(async (db, now) =>
        {
            var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == agentId, cancellationToken)
                ?? throw RefusedException.NotFound("Agent", agentId);
            switch (action)
            {
                case "activate": agent.Activate(now); break;
                case "deactivate": agent.Deactivate(now); break;
                case "set_available": agent.SetStatus(AgentStatus.Available, now); break;
                case "set_busy":
                    throw RefusedException.BadRequest(
                        $"busy follows the agent's load ({agent.ActiveTaskCount}/{agent.MaxConcurrentTasks}); to stop giving {agent.Name} work, use set_maintenance or lower max_concurrent_tasks");
                case "set_offline": agent.SetStatus(AgentStatus.Offline, now); break;
                case "set_maintenance": agent.SetStatus(AgentStatus.Maintenance, now); break;
                case "set_error": agent.SetStatus(AgentStatus.Error, now); break;
                default:
                    throw RefusedException.BadRequest(
                        $"action must be one of activate, deactivate, set_available, set_busy, set_offline, set_maintenance, set_error (got '{action}')");
            }

            if (!agent.IsActive || agent.Status is AgentStatus.Offline or AgentStatus.Maintenance or AgentStatus.Error)
            {
                await RequeueHeldTasksAsync(db, agent, $"{agent.Name} was set {agent.Status.Wire()} by {actor.Name}", actor, now, cancellationToken);
            }

            logger.LogInformation("Agent {Agent} {Action} by {Actor}", agent.Name, action, actor.Name);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return agent;
        }, cancellationToken);
    }

    /// <summary>Runs after an agent was created or edited (capacity, capabilities): work may now fit.</summary>
    public async Task<int> AgentsChangedAsync(CancellationToken cancellationToken) =>
        await WriteAsync(async (db, now) =>
        {
            foreach (var agent in await db.Agents.ToListAsync(cancellationToken))
            {
                agent.CapacityChanged(now);
            }

            await db.SaveChangesAsync(cancellationToken);
            return await AssignWaitingAsync(db, now, cancellationToken);
        }, cancellationToken);

    // ---------------------------------------------------------------- sweeps

    /// <summary>Assigns every waiting task that is due and fits an agent (status/process_pending_tasks).</summary>
    public async Task<int> ProcessPendingAsync(CancellationToken cancellationToken) =>
        await WriteAsync((db, now) => AssignWaitingAsync(db, now, cancellationToken), cancellationToken);

    /// <summary>
    /// The safety net: reconciles agents' loads, takes silent agents offline and moves their work, escalates overdue
    /// and long-blocked tasks, and assigns what is due. With dry-run it decides and reports but writes nothing.
    /// </summary>
    public async Task<SweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        return await WriteAsync(async (db, now) =>
        {
            var decisions = new List<string>();
            var dryRun = Settings.DryRun;
            var agents = await db.Agents.ToListAsync(cancellationToken);
            var held = await db.WorkItems
                .Where(w => w.AssignedAgentId != null && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress
                    || w.Status == WorkItemStatus.Blocked || w.Status == WorkItemStatus.Review))
                .GroupBy(w => w.AssignedAgentId)
                .Select(g => new { AgentId = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.AgentId!.Value, g => g.Count, cancellationToken);

            var reconciled = 0;
            foreach (var agent in agents)
            {
                if (agent.ReconcileLoad(held.GetValueOrDefault(agent.Id), now))
                {
                    reconciled++;
                    decisions.Add($"{agent.Name}: load corrected to {agent.ActiveTaskCount}/{agent.MaxConcurrentTasks} ({agent.Status.Wire()})");
                }
            }

            statistics.Monitored(agents.Count(a => a.IsActive));

            var offline = 0;
            var requeued = 0;
            foreach (var agent in agents.Where(a => a.IsActive && a.IsHeartbeatStale(now, Settings.HeartbeatTimeout)))
            {
                var silentFor = now - (agent.LastHeartbeat ?? agent.CreatedOn);
                decisions.Add($"{agent.Name}: no heartbeat for {FailurePolicy.Humanize(silentFor)}, marking offline");
                agent.MarkOffline(now);
                offline++;
                requeued += await RequeueHeldTasksAsync(db, agent, $"{agent.Name} went silent (no heartbeat for {FailurePolicy.Humanize(silentFor)})", Actor.Engine, now, cancellationToken);
            }

            var escalated = await EscalateByTimeAsync(db, now, decisions, cancellationToken);

            if (dryRun)
            {
                var waiting = await WaitingTasksAsync(db, now, 50, Enum.GetValues<WorkItemKind>(), cancellationToken);
                foreach (var item in waiting)
                {
                    var choice = AgentScorer.Choose(item, agents);
                    decisions.Add($"would assign '{item.Title}' → {choice.Agent?.Name ?? "nobody"}: {choice.Reason}");
                }

                db.ChangeTracker.Clear();
                statistics.Swept();
                return new SweepReport(reconciled, offline, requeued, escalated, 0, decisions);
            }

            await db.SaveChangesAsync(cancellationToken);
            var assigned = await AssignWaitingAsync(db, now, cancellationToken);
            statistics.Swept();
            return new SweepReport(reconciled, offline, requeued, escalated, assigned, decisions);
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- internals

    /// <summary>Runs a write under the engine's lock, with a fresh context; other services use it so writes never race.</summary>
    internal async Task<T> WriteAsync<T>(Func<OpsDbContext, DateTime, Task<T>> operation, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            return await operation(db, Now);
        }
        finally
        {
            gate.Release();
        }
    }

    private Task<WorkItem> SimpleTransitionAsync(Guid taskId, Actor actor, Action<WorkItem, DateTime> transition, string step, string message, CancellationToken cancellationToken) =>
        AuditContext.Use(actor, () => WriteAsync(async (db, now) =>
        {
            var item = await LoadTaskAsync(db, taskId, cancellationToken);
            await EnsureHolderAsync(db, item, actor, cancellationToken);

            Apply(() => transition(item, now));
            if (item.Status == WorkItemStatus.Blocked && item.BlockedAt is { } blockedAt)
            {
                scheduler.WakeAt(blockedAt + Settings.BlockedEscalation + TimeSpan.FromSeconds(1));
            }

            Log(db, item, LogSeverity.Info, step, message, actor, now);
            await db.SaveChangesAsync(cancellationToken);
            await AssignWaitingAsync(db, now, cancellationToken);
            return item;
        }, cancellationToken));

    private static string Suffix(string? reason) => string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.Trim()}";

    private static void Apply(Action transition)
    {
        try
        {
            transition();
        }
        catch (TransitionRefusedException ex)
        {
            throw RefusedException.Conflict(ex.Message);
        }
    }

    private static async Task<WorkItem> LoadTaskAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        await db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken)
            ?? throw RefusedException.NotFound("Task", taskId);

    /// <summary>
    /// An agent may act only on a task it holds now. A task it never held belongs to another agent (403: the token is
    /// good for its own agent only); a task it held before was taken from it (a late report after reassignment, 409).
    /// Either way the report is refused, never applied.
    /// </summary>
    private static async Task EnsureHolderAsync(OpsDbContext db, WorkItem item, Actor actor, CancellationToken cancellationToken)
    {
        if (actor.Kind != ActorKind.Agent || item.AssignedAgentId == actor.AgentId)
        {
            return;
        }

        if (!await db.Assignments.AnyAsync(a => a.WorkItemId == item.Id && a.AgentId == actor.AgentId, cancellationToken))
        {
            throw RefusedException.Forbidden(
                $"this agent token belongs to {actor.Name}, which has never held task {item.Id}; an agent can act only on the tasks assigned to it");
        }

        throw RefusedException.Conflict(
            $"this agent no longer holds the task (it is {item.Status.Wire()}{(item.AssignedAgent is { } a ? $", held by {a.Name}" : "")}); the report was not applied");
    }

    /// <summary>
    /// True when an agent resends a report that already ended its hold on the task (complete, fail or release twice):
    /// its latest assignment of the task ended for that reason and it has not been given the task again since.
    /// </summary>
    private static async Task<bool> AlreadyReportedAsync(OpsDbContext db, WorkItem item, Actor actor, string endReason, CancellationToken cancellationToken)
    {
        if (actor.Kind != ActorKind.Agent || (item.AssignedAgentId == actor.AgentId && item.Status.IsActive()))
        {
            return false;
        }

        var latest = await db.Assignments.AsNoTracking()
            .Where(a => a.WorkItemId == item.Id && a.AgentId == actor.AgentId)
            .OrderByDescending(a => a.IsActive).ThenByDescending(a => a.AssignedAt)
            .Select(a => new { a.IsActive, a.EndReason })
            .FirstOrDefaultAsync(cancellationToken);
        return latest is { IsActive: false } && latest.EndReason == endReason;
    }

    private static Task<Assignment?> ActiveAssignmentAsync(OpsDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        db.Assignments.Where(a => a.WorkItemId == taskId && a.IsActive).OrderByDescending(a => a.AssignedAt).FirstOrDefaultAsync(cancellationToken);

    private static async Task EndHoldAsync(OpsDbContext db, WorkItem item, Agent agent, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var assignments = await db.Assignments.Where(a => a.WorkItemId == item.Id && a.IsActive).ToListAsync(cancellationToken);
        foreach (var assignment in assignments)
        {
            assignment.Close(reason, now);
        }

        agent.ReleaseTask(now);
    }

    private async Task<FailureDecision> HandleFailureAsync(
        OpsDbContext db, WorkItem item, string errorMessage, string? errorDetails, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var agent = item.AssignedAgent;
        errorMessage = Redactor.Redact(errorMessage)!;
        errorDetails = Redactor.RedactJson(errorDetails);
        var error = string.IsNullOrWhiteSpace(errorDetails) ? errorMessage : $"{errorMessage}\n\n{errorDetails}";
        Apply(() => item.Fail(error, now));
        statistics.FailureHandled();
        if (agent is not null)
        {
            agent.RecordOutcome(false, null, now);
            await EndHoldAsync(db, item, agent, "failed", now, cancellationToken);
            item.DetachAgent(now);
        }

        Log(db, item, LogSeverity.Error, "failure", $"Task failed: {errorMessage}", actor, now,
            JsonSerializer.Serialize(new { retry_count = item.RetryCount, agent = agent?.Name }, Json), agentId: agent?.Id);

        var decision = FailurePolicy.Decide(item, Settings.Backoff, random);
        switch (decision.Outcome)
        {
            case FailureOutcome.Retry:
                item.ScheduleRetry(decision.Delay, now);
                scheduler.WakeAt(item.NextAttemptAt!.Value);
                Log(db, item, LogSeverity.Warning, "retry_scheduled",
                    $"Retry {item.RetryCount} of {item.MaxRetries} at {item.NextAttemptAt:u} (in {FailurePolicy.Humanize(decision.Delay)}){(agent is null ? "" : $", avoiding {agent.Name}")}",
                    Actor.Engine, now,
                    JsonSerializer.Serialize(new { retry_count = item.RetryCount, next_attempt_at = item.NextAttemptAt, delay_seconds = Math.Round(decision.Delay.TotalSeconds, 1) }, Json));
                break;
            case FailureOutcome.Escalate:
                var before = item.Priority;
                item.Escalate(now);
                statistics.Escalated();
                Log(db, item, LogSeverity.Warning, "escalation",
                    $"Retries used up: escalated to level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}, fresh retry budget",
                    Actor.Engine, now,
                    JsonSerializer.Serialize(new { escalation_level = item.EscalationLevel, previous_priority = before.Wire(), new_priority = item.Priority.Wire() }, Json));
                break;
            default:
                item.FlagForPeople(decision.Reason, now);
                Log(db, item, LogSeverity.Critical, "needs_attention", $"Task stays failed: {decision.Reason}", Actor.Engine, now);
                break;
        }

        return decision;
    }

    private async Task<int> RequeueHeldTasksAsync(OpsDbContext db, Agent agent, string why, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var heldTasks = await db.WorkItems
            .Where(w => w.AssignedAgentId == agent.Id && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress
                || w.Status == WorkItemStatus.Review || w.Status == WorkItemStatus.Blocked))
            .ToListAsync(cancellationToken);
        foreach (var item in heldTasks)
        {
            await EndHoldAsync(db, item, agent, "agent unavailable", now, cancellationToken);
            if (item.Status == WorkItemStatus.Blocked)
            {
                // Still blocked on something outside; when it is unblocked it goes to whichever agent is free then.
                item.DetachAgent(now);
                Log(db, item, LogSeverity.Warning, "reassignment", $"{why}: the blocked task no longer has an agent; it is queued again once unblocked", actor, now, agentId: agent.Id);
                continue;
            }

            item.ReturnToQueue(now);
            Log(db, item, LogSeverity.Warning, "reassignment", $"{why}: task returned to the queue for another agent (no retry used)", actor, now, agentId: agent.Id);
        }

        agent.ReconcileLoad(0, now);
        return heldTasks.Count;
    }

    private async Task<int> EscalateByTimeAsync(OpsDbContext db, DateTime now, List<string> decisions, CancellationToken cancellationToken)
    {
        // Two index-friendly queries instead of one OR across columns: overdue open tasks, and blocked tasks.
        var overdue = await db.WorkItems
            .Where(w => w.DueDate != null && w.DueDate < now && w.AutoEscalate
                && w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled && w.Status != WorkItemStatus.Failed)
            .Include(w => w.AssignedAgent)
            .ToListAsync(cancellationToken);
        var blocked = await db.WorkItems
            .Where(w => w.Status == WorkItemStatus.Blocked && w.AutoEscalate && (w.DueDate == null || w.DueDate >= now))
            .Include(w => w.AssignedAgent)
            .ToListAsync(cancellationToken);
        var candidates = overdue.Concat(blocked);
        var count = 0;
        foreach (var item in candidates)
        {
            if (EscalationPolicy.TimeEscalationDue(item, now, Settings.BlockedEscalation) is not { } why)
            {
                continue;
            }

            var before = item.Priority;
            item.Escalate(now);
            item.MarkTimeEscalated(now);
            statistics.Escalated();
            count++;
            decisions.Add($"'{item.Title}': {why}, escalated to level {item.EscalationLevel} ({item.Priority.Wire()})");
            Log(db, item, LogSeverity.Warning, "escalation",
                $"Escalated by time: {why}; level {item.EscalationLevel}, priority {before.Wire()} → {item.Priority.Wire()}", Actor.Engine, now,
                JsonSerializer.Serialize(new { escalation_level = item.EscalationLevel, previous_priority = before.Wire(), new_priority = item.Priority.Wire(), reason = why }, Json));
        }

        return count;
    }

    /// <summary>
    /// The waiting tasks that could go now, most urgent first (priority, then production, then oldest). One small
    /// index seek per (status, kind) pair keeps this cheap however long the backlog is.
    /// </summary>
    private static async Task<List<WorkItem>> WaitingTasksAsync(
        OpsDbContext db, DateTime now, int limit, IReadOnlyCollection<WorkItemKind> kinds, CancellationToken cancellationToken)
    {
        var found = new List<WorkItem>();
        foreach (var status in new[] { WorkItemStatus.Pending, WorkItemStatus.Escalated })
        {
            foreach (var kind in kinds)
            {
                found.AddRange(await db.WorkItems
                    .Where(w => w.Status == status && w.Kind == kind && w.AutoAssign
                        && w.AssignedAgentId == null
                        && (w.NextAttemptAt == null || w.NextAttemptAt <= now)
                        && !w.DependsOn.Any(d => d.Status != WorkItemStatus.Completed))
                    .OrderByDescending(w => w.Priority)
                    .ThenBy(w => w.CreatedOn)
                    .Take(limit)
                    .ToListAsync(cancellationToken));
            }
        }

        return found
            .OrderByDescending(w => w.Priority)
            .ThenByDescending(w => string.Equals(w.Environment, "production", StringComparison.OrdinalIgnoreCase))
            .ThenBy(w => w.CreatedOn)
            .Take(limit)
            .ToList();
    }

    /// <summary>The task kinds at least one agent with free capacity may take.</summary>
    private static IReadOnlyCollection<WorkItemKind> KindsFreeAgentsTake(IEnumerable<Agent> agents)
    {
        var kinds = new HashSet<WorkItemKind>();
        foreach (var agent in agents.Where(a => a.IsAvailableForAssignment))
        {
            foreach (var kind in Enum.GetValues<WorkItemKind>())
            {
                if (AgentScorer.IsCompatible(kind, agent))
                {
                    kinds.Add(kind);
                }
            }
        }

        return kinds;
    }

    /// <summary>Gives waiting tasks (highest priority first) to the best free agents, as long as capacity lasts.</summary>
    private async Task<int> AssignWaitingAsync(OpsDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        if (Settings.DryRun)
        {
            return 0;
        }

        var agents = await db.Agents.Where(a => a.IsActive).ToListAsync(cancellationToken);
        var freeSlots = agents.Where(a => a.IsAvailableForAssignment).Sum(a => a.MaxConcurrentTasks - a.ActiveTaskCount);
        if (freeSlots <= 0)
        {
            return 0;
        }

        var waiting = await WaitingTasksAsync(db, now, freeSlots * LookAheadPerSlot, KindsFreeAgentsTake(agents), cancellationToken);
        var assigned = 0;
        foreach (var item in waiting)
        {
            var choice = AgentScorer.Choose(item, agents);
            if (choice.Agent is null)
            {
                continue;
            }

            Assign(db, item, choice.Agent, choice.Reason, choice.Score, choice.Candidates, Actor.Engine, now);
            assigned++;
            if (--freeSlots == 0)
            {
                break;
            }
        }

        if (assigned > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            statistics.Assigned(assigned);
            if (Settings.Verbose)
            {
                logger.LogInformation("Assigned {Count} pending tasks", assigned);
            }
        }

        return assigned;
    }

    private Assignment Assign(
        OpsDbContext db, WorkItem item, Agent agent, string reason, double score, IReadOnlyList<CandidateScore> candidates, Actor actor, DateTime now)
    {
        item.AssignTo(agent, now);
        agent.TakeTask(now);
        var assignment = new Assignment
        {
            WorkItemId = item.Id,
            AgentId = agent.Id,
            AssignedBy = actor.AssignedBy,
            AssignmentReason = reason,
            Score = Math.Round(score, 4),
            Candidates = JsonSerializer.Serialize(candidates.Select(CandidateJson), Json),
            AssignedAt = now,
        };
        db.Assignments.Add(assignment);
        Log(db, item, LogSeverity.Info, "assignment", $"Task assigned to {agent.Name}. Reason: {reason}", actor, now,
            JsonSerializer.Serialize(new { selection_score = Math.Round(score, 4), assignment_id = assignment.Id }, Json), agentId: agent.Id);
        return assignment;
    }

    internal static object CandidateJson(CandidateScore c) => new
    {
        agent_id = c.AgentId,
        agent_name = c.AgentName,
        score = c.Score,
        note = c.Note,
        factors = new
        {
            efficiency = Math.Round(c.Factors.Efficiency, 4),
            capability = c.Factors.Capability,
            priority_boost = c.Factors.PriorityBoost,
            load_penalty = Math.Round(c.Factors.LoadPenalty, 4),
            availability = c.Factors.Availability,
        },
    };

    /// <summary>A mask can be longer than the secret it hides; the title still fits its column.</summary>
    private static string RedactedTitle(string title)
    {
        var redacted = Redactor.Redact(title)!;
        return redacted.Length <= Features.WorkItems.WorkItemEndpoints.MaxTitle ? redacted : redacted[..(Features.WorkItems.WorkItemEndpoints.MaxTitle - 1)] + "…";
    }

    private static WorkItemLogEntry Log(
        OpsDbContext db, WorkItem item, LogSeverity level, string step, string message, Actor actor, DateTime now,
        string stepData = "{}", int? percent = null, Guid? agentId = null, Guid? entryId = null)
    {
        var entry = new WorkItemLogEntry
        {
            Id = entryId ?? Guid.NewGuid(),
            WorkItemId = item.Id,
            AgentId = agentId ?? actor.AgentId ?? item.AssignedAgentId,
            Level = level,
            StepName = step,
            Message = Redactor.Redact(message)!,
            StepData = Redactor.RedactJson(stepData)!,
            Percent = percent,
            Actor = actor.Name,
            ActorKind = actor.Kind,
            CreatedOn = now,
        };
        db.LogEntries.Add(entry);
        return entry;
    }
}
