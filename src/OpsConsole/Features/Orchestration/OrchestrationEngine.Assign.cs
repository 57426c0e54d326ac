using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.Orchestration;

/// <summary>Manual and automatic assignment of one task, and reassignment of a held task to another agent.</summary>
public sealed partial class OrchestrationEngine
{
    /// <summary>Assigns a task: to the given agent (a person's choice) or to the best agent the scorer finds.</summary>
    public async Task<AssignResult> AssignAsync(Guid taskId, Guid? agentId, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        await access.DemandAsync(actor, ApiRole.Operator, cancellationToken);
        AuditContext.Use(actor);
        var freedHolder = false;
        var result = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await AgentHolds.LoadTaskAsync(db, taskId, cancellationToken);
            await db.Entry(item).Collection(w => w.DependsOn).LoadAsync(cancellationToken);
            var reassigning = agentId is not null && item.Status is WorkItemStatus.Assigned or WorkItemStatus.InProgress;
            if (!item.Status.IsWaiting() && !reassigning)
            {
                throw RefusedException.Conflict(agentId is null
                    ? $"only a pending or escalated task can be assigned automatically; this one is {item.Status.Wire()} (send agent_id to give it to another agent)"
                    : $"only a pending, escalated, assigned or in-progress task can be assigned; this one is {item.Status.Wire()}");
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
                if (reassigning && item.AssignedAgentId == agent.Id)
                {
                    return new AssignResult(item, await AgentHolds.ActiveAssignmentAsync(db, item.Id, cancellationToken), null); // already there
                }

                if (!agent.IsAvailableForAssignment)
                {
                    throw RefusedException.Conflict(
                        $"Agent {agent.Name} is not available for assignment (status {agent.Status.Wire()}, {agent.ActiveTaskCount}/{agent.MaxConcurrentTasks} tasks)");
                }

                if (reassigning)
                {
                    await AgentHolds.TakeFromHolderAsync(db, item, agent, actor, now, cancellationToken);
                    freedHolder = true;
                }

                assignment = dispatcher.Assign(db, item, agent, reason ?? "Manual assignment", AgentScorer.Score(item, agent), [], actor, now);
            }
            else
            {
                var selection = (await db.RuleBookAsync(cancellationToken)).SelectionFor(item);
                choice = AgentScorer.Choose(item, agents, selection);
                if (choice.Agent is null)
                {
                    throw RefusedException.Conflict($"No suitable agent available: {choice.Reason}");
                }

                assignment = dispatcher.Assign(db, item, choice.Agent, choice.Reason, choice.Score, choice.Candidates, actor, now);
                EngineRules.Applied(db, item, selection.Rules, $"{selection.Describe()} → {choice.Agent.Name}", now);
            }

            await db.SaveChangesAsync(cancellationToken);
            return new AssignResult(item, assignment, choice);
        }, cancellationToken);
        if (freedHolder)
        {
            await dispatcher.DispatchAsync(); // the former holder's slot is free for waiting work
        }

        return result;
    }
}
