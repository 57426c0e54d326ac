using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Health;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// Gives waiting tasks to agents. A claim writes the task (now assigned) and the agent (one more task) under their row
/// versions, so it only lands if neither changed since it was read: a task is never held twice and an agent never takes
/// more than its capacity, whoever assigns at the same time, in this process or another.
/// <para>
/// After every change that may let work move (a task created, retried or freed, an agent back), <see cref="DispatchAsync"/>
/// runs an assignment pass as a unit of work of its own, so a change never fails because assignment met a concurrent change,
/// and callers that arrive while a pass has not started yet share it (a burst of creates is one pass, not one each).
/// </para>
/// </summary>
public sealed class AssignmentDispatcher(
    UnitOfWork unitOfWork,
    IDbContextFactory<OpsDbContext> dbFactory,
    TimeProvider time,
    IOptionsMonitor<OrchestrationOptions> options,
    EngineStatistics statistics,
    OpsMetrics metrics,
    ILogger<AssignmentDispatcher> logger)
{
    private static readonly WorkItemKind[] EveryKind = Enum.GetValues<WorkItemKind>();

    /// <summary>How many waiting tasks one assignment pass looks at per free agent slot.</summary>
    private const int LookAheadPerSlot = 4;

    private readonly Lock gate = new();
    private TaskCompletionSource<int>? waiting;
    private WriteOperation<int>? passInCommit;

    /// <summary>The same pass every time (the write queue runs one per group for all the writes that ask for it).</summary>
    private WriteOperation<int> PassInCommit => passInCommit ??= (db, now) => PassAsync(db, now);

    /// <summary>
    /// A change that may let work move, then an assignment pass: on SQLite in the change's own commit (one pass after the
    /// group of writes committed with it, so neither the caller nor the agent waits for a second turn in the writers'
    /// queue), elsewhere as <see cref="DispatchAsync"/> after it commits. The change's result and how many tasks were assigned.
    /// </summary>
    public Task<(T Result, int Assigned)> WriteThenAssignAsync<T>(WriteOperation<T> change, CancellationToken cancellationToken) =>
        WriteThenAssignAsync(change, WriteLane.Updates, cancellationToken);

    /// <inheritdoc cref="WriteThenAssignAsync{T}(WriteOperation{T}, CancellationToken)"/>
    public async Task<(T Result, int Assigned)> WriteThenAssignAsync<T>(WriteOperation<T> change, WriteLane lane, CancellationToken cancellationToken)
    {
        var (result, assigned) = await unitOfWork.WriteThenAsync(change, PassInCommit, lane, cancellationToken);
        return (result, assigned ?? await DispatchAsync());
    }

    /// <summary>One assignment pass inside a write: passes of every node take turns, then waiting tasks go to free agents.</summary>
    private async Task<int> PassAsync(OpsDbContext db, DateTime now)
    {
        await db.SerializeAssignmentAsync(CancellationToken.None);
        return await AssignWaitingAsync(db, now, CancellationToken.None);
    }

    /// <summary>
    /// Assigns whatever can go now, in a pass of its own after the caller's change committed; the number of tasks assigned.
    /// Never throws for a conflict or a busy database: the pass gives up and the next change, or the sweep, assigns instead.
    /// </summary>
    public Task<int> DispatchAsync()
    {
        TaskCompletionSource<int> pass;
        lock (gate)
        {
            if (waiting is { } shared)
            {
                return shared.Task;
            }

            pass = waiting = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _ = RunPassAsync(pass);
        return pass.Task;
    }

    private async Task RunPassAsync(TaskCompletionSource<int> pass)
    {
        try
        {
            Close(pass);
            if (!await AnythingToAssignAsync())
            {
                pass.TrySetResult(0);
                return;
            }

            lock (gate)
            {
                // Waiting for its turn to write, the pass has read nothing yet that it will act on: changes may join it again.
                waiting ??= pass;
            }

            pass.TrySetResult(await unitOfWork.WriteAsync(async (db, now) =>
            {
                Close(pass);
                return await PassAsync(db, now);
            }, CancellationToken.None));
        }
        catch (Exception ex)
        {
            Close(pass);
            OrchestrationLog.AssignmentPassGaveUp(logger, ex, ex.Message);
            pass.TrySetResult(0);
        }
    }

    /// <summary>From here on <paramref name="pass"/> reads the database: a change committed after this needs the next pass.</summary>
    private void Close(TaskCompletionSource<int> pass)
    {
        lock (gate)
        {
            if (waiting == pass)
            {
                waiting = null;
            }
        }
    }

    /// <summary>
    /// Whether a pass could assign anything: an agent has room and a waiting task it may take exists. Most changes leave
    /// nothing to assign (every agent is full, or nothing waits that the free ones take), and then this one read is the whole
    /// pass: no write transaction, no turn in the writers' queue. A change committed after this read runs a pass of its own.
    /// </summary>
    private async Task<bool> AnythingToAssignAsync()
    {
        if (options.CurrentValue.DryRun)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync();
        var kinds = KindsFreeAgentsTake((await ActiveAgentsAsync(db)).Select(a => a.Agent));
        return kinds.Count > 0 && await WaitingTasks.AnyAsync(db, time.GetUtcNow().UtcDateTime, kinds, CancellationToken.None);
    }

    /// <summary>
    /// The active agents, untracked, with the row version each was read at: a pass attaches only the ones it gives a task
    /// (every save compares each tracked row, and most passes assign one task or none).
    /// </summary>
    private static Task<List<AgentRead>> ActiveAgentsAsync(OpsDbContext db) => ActiveAgents.For(db)(db).ToListAsync().AsTask();

    private static readonly CompiledPerModel<Func<OpsDbContext, IAsyncEnumerable<AgentRead>>> ActiveAgents = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db) => db.Agents.AsNoTracking().Where(a => a.IsActive)
            .Select(a => new AgentRead(a, EF.Property<long>(a, OpsDbContext.VersionColumn)))));

    private sealed record AgentRead(Agent Agent, long Version);

    /// <summary>Tracks <paramref name="entity"/>, read untracked, as it was read at <paramref name="version"/>: a save of it only lands if its row is still at that version.</summary>
    private static void AttachAt<T>(OpsDbContext db, T entity, long version) where T : class
    {
        var read = db.Attach(entity).Property(OpsDbContext.VersionColumn);
        read.CurrentValue = read.OriginalValue = version;
        read.IsModified = false;
    }

    /// <summary>Gives waiting tasks (highest priority first) to the best free agents, as long as capacity lasts; saves what it assigned.</summary>
    private async Task<int> AssignWaitingAsync(OpsDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.DryRun)
        {
            return 0;
        }

        // Most passes find no task waiting at all (the write that created it assigned it, or an agent's report asked for the
        // pass): one query says so, before the agents are read.
        if (!await WaitingTasks.AnyAsync(db, now, EveryKind, cancellationToken))
        {
            return 0;
        }

        var read = await ActiveAgentsAsync(db);
        var agents = read.ConvertAll(a => a.Agent);
        var freeSlots = agents.Where(a => a.IsAvailableForAssignment).Sum(a => a.MaxConcurrentTasks - a.ActiveTaskCount);
        if (freeSlots <= 0)
        {
            return 0;
        }

        // Most passes find nothing the free agents take: one query says so, before a seek per status and kind (when they take
        // every kind, the question above already answered it).
        var kinds = KindsFreeAgentsTake(agents);
        if (kinds.Count == 0 || kinds.Count < EveryKind.Length && !await WaitingTasks.AnyAsync(db, now, kinds, cancellationToken))
        {
            return 0;
        }

        var waiting = await WaitingTasks.ReadAsync(db, now, freeSlots * LookAheadPerSlot, kinds, cancellationToken);
        var book = await db.RuleBookAsync(cancellationToken);
        var attached = new HashSet<Guid>();
        var assigned = 0;
        var explained = 0;
        foreach (var (item, version) in waiting)
        {
            var selection = book.SelectionFor(item);
            var choice = AgentScorer.Choose(item, agents, selection);
            if (choice.Agent is null)
            {
                explained += await ExplainWaitAsync(db, item, selection, choice, now, cancellationToken) ? 1 : 0;
                continue;
            }

            // Read untracked (the look-ahead can be hundreds of tasks, and every save compares each tracked row): only the
            // claimed task and its agent are tracked, with the row versions they were read at, which still guard the claim.
            if (attached.Add(choice.Agent.Id))
            {
                AttachAt(db, choice.Agent, read.First(a => a.Agent == choice.Agent).Version);
            }

            AttachAt(db, item, version);
            Assign(db, item, choice.Agent, choice.Reason, choice.Score, choice.Candidates, Actor.Engine, now);
            EngineRules.Applied(db, item, selection.Rules, $"{selection.Describe()} → {choice.Agent.Name}", now);
            assigned++;
            if (--freeSlots == 0)
            {
                break;
            }
        }

        if (assigned > 0 || explained > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            statistics.Assigned(assigned);
            if (options.CurrentValue.Verbose)
            {
                OrchestrationLog.Assigned(logger, assigned);
            }
        }

        return assigned;
    }

    /// <summary>
    /// A task that only_agents rules keep from every free agent waits, and its timeline says why, once (not on every pass).
    /// </summary>
    private static async Task<bool> ExplainWaitAsync(OpsDbContext db, WorkItem item, AgentSelection selection, AgentChoice choice, DateTime now, CancellationToken cancellationToken)
    {
        if (selection.Only is null
            || await db.LogEntries.AnyAsync(l => l.WorkItemId == item.Id && l.StepName == EngineRules.TimelineStep && l.CreatedOn >= (item.LastEscalatedAt ?? item.CreatedOn)
                && l.Message.Contains("none of the agents it allows"), cancellationToken))
        {
            return false;
        }

        EngineRules.Applied(db, item, selection.Rules, $"{selection.Describe()}; none of the agents it allows is available, the task stays pending ({choice.Reason})", now);
        return true;
    }

    /// <summary>Claims <paramref name="item"/> for <paramref name="agent"/> with the scorer's reasons; the caller saves.</summary>
    public Assignment Assign(
        OpsDbContext db, WorkItem item, Agent agent, string reason, double score, IReadOnlyList<CandidateScore> candidates, Actor actor, DateTime now)
    {
        var waitingSince = item.NextAttemptAt is { } due && due > item.CreatedOn ? due : item.CreatedOn;
        item.AssignTo(agent, now);
        metrics.Assigned(db, waitingSince, now);
        agent.TakeTask(now);
        var assignment = new Assignment
        {
            WorkItemId = item.Id,
            AgentId = agent.Id,
            AssignedBy = actor.AssignedBy,
            AssignmentReason = reason,
            Score = Math.Round(score, 4),
            Candidates = TaskLog.Serialize(candidates.Select(CandidateJson)),
            AssignedAt = now,
        };
        db.Assignments.Add(assignment);
        TaskLog.Add(db, item, LogSeverity.Info, "assignment", $"Task assigned to {agent.Name}. Reason: {reason}", actor, now,
            TaskLog.Serialize(new { selection_score = Math.Round(score, 4), assignment_id = assignment.Id }), agentId: agent.Id);
        return assignment;
    }

    public static object CandidateJson(CandidateScore c) => new
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
            rule_bonus = c.Factors.RuleBonus,
        },
    };

    /// <summary>The task kinds at least one agent with free capacity may take.</summary>
    private static HashSet<WorkItemKind> KindsFreeAgentsTake(IEnumerable<Agent> agents)
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
}
