using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Realtime;

/// <summary>
/// Reads committed events and hands them to the circuits' stream and to hub clients. The only user of IHubContext. What a
/// hub message carries is read from the database only when a connection of this node is in a group that receives it.
/// </summary>
public sealed class EventFanOut(
    OpsEvents events,
    OpsEventStream stream,
    IHubContext<OrchestrationHub, IOrchestrationClient> hub,
    IDbContextFactory<OpsDbContext> dbFactory,
    HubAudience audience,
    ClusterBus cluster,
    Features.Health.HealthService health,
    TimeProvider time,
    ILogger<EventFanOut> logger) : BackgroundService
{
    /// <summary>
    /// How many events are sent at once. Each task's events stay in order (they share a lane), while one task's hub message
    /// that reads the database no longer holds up another agent's TaskAssigned.
    /// </summary>
    private const int Lanes = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lanes = Enumerable.Range(0, Lanes)
            .Select(_ => System.Threading.Channels.Channel.CreateUnbounded<(DomainEvent Event, bool FromAnotherNode)>(new() { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var senders = lanes.Select(lane => SendAllAsync(lane.Reader, stoppingToken)).ToList();
        try
        {
            await foreach (var (domainEvent, fromAnotherNode) in events.Reader.ReadAllAsync(stoppingToken))
            {
                stream.Dispatch(domainEvent, logger);
                try
                {
                    if (!fromAnotherNode)
                    {
                        cluster.Forward(domainEvent);
                    }
                }
                catch (Exception ex)
                {
                    RealtimeLog.FanOutFailed(logger, ex, domainEvent);
                }

                lanes[LaneOf(domainEvent)].Writer.TryWrite((domainEvent, fromAnotherNode));
            }
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Writer.TryComplete();
            }

            await Task.WhenAll(senders);
        }
    }

    /// <summary>A task's events share a lane; everything else goes to the first.</summary>
    private static int LaneOf(DomainEvent domainEvent) => domainEvent switch
    {
        WorkItemChanged e => LaneOf(e.WorkItemId),
        WorkItemAssigned e => LaneOf(e.WorkItemId),
        WorkItemRevoked e => LaneOf(e.WorkItemId),
        TaskMessagePosted e => LaneOf(e.WorkItemId),
        IssueLinked e => LaneOf(e.WorkItemId),
        _ => 0,
    };

    private static int LaneOf(Guid taskId) => (taskId.GetHashCode() & int.MaxValue) % Lanes;

    private async Task SendAllAsync(System.Threading.Channels.ChannelReader<(DomainEvent Event, bool FromAnotherNode)> lane, CancellationToken stoppingToken)
    {
        await foreach (var (domainEvent, fromAnotherNode) in lane.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (fromAnotherNode)
                {
                    // Its hub clients hear it from the node that committed it (backplane); here only this node's own agents
                    // that lost the task stop following it.
                    await LeaveLostTaskAsync(domainEvent, stoppingToken);
                    continue;
                }

                await SendToHubAsync(domainEvent, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                RealtimeLog.FanOutFailed(logger, ex, domainEvent);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task SendToHubAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        switch (domainEvent)
        {
            case WorkItemChanged changed when audience.Has(OrchestrationHub.Observers) || audience.Has(OrchestrationHub.TaskGroup(changed.WorkItemId)):
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var item = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == changed.WorkItemId, cancellationToken);
                if (item is not null)
                {
                    var group = OrchestrationHub.TaskGroup(item.Id);
                    await LeaveAsync(group, item.AssignedAgentId, cancellationToken);
                    var dto = TaskListDto.From(item, now);
                    await hub.Clients.Group(OrchestrationHub.Observers).TaskChanged(dto);
                    await hub.Clients.Group(group).TaskChanged(dto);
                }

                break;
            }

            case WorkItemAssigned assigned when audience.Has(OrchestrationHub.AgentGroup(assigned.AgentId)):
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var item = await WorkItemEndpoints.DetailWithAttemptsAsync(db, assigned.WorkItemId, now, cancellationToken);
                if (item is not null && item.AssignedAgent?.Id == assigned.AgentId)
                {
                    await hub.Clients.Group(OrchestrationHub.AgentGroup(assigned.AgentId)).TaskAssigned(item);
                }

                break;
            }

            case WorkItemRevoked revoked when audience.Has(OrchestrationHub.AgentGroup(revoked.AgentId)):
                await hub.Clients.Group(OrchestrationHub.AgentGroup(revoked.AgentId))
                    .TaskRevoked(new TaskRevokedMessage(revoked.WorkItemId, revoked.Reason));
                break;

            case TaskMessagePosted posted when posted.AgentId is { } agentId && audience.Has(OrchestrationHub.AgentGroup(agentId)):
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var message = await db.TaskMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == posted.MessageId, cancellationToken);
                if (message is not null)
                {
                    await hub.Clients.Group(OrchestrationHub.AgentGroup(agentId))
                        .TaskMessage(new TaskMessagePush(message.WorkItemId, message.Id, message.Text, message.Author));
                }

                break;
            }

            case IssueLinked linked when audience.Has(OrchestrationHub.Observers) || audience.Has(OrchestrationHub.TaskGroup(linked.WorkItemId)):
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var item = await db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Id == linked.WorkItemId, cancellationToken);
                if (item is not null)
                {
                    var payload = new IssueLinkedMessage(item.Id, item.GithubIssueNumber, item.GithubIssueUrl, WireFormat.Of(item.GithubIssueState));
                    await hub.Clients.Group(OrchestrationHub.Observers).IssueLinked(payload);
                    await hub.Clients.Group(OrchestrationHub.TaskGroup(item.Id)).IssueLinked(payload);
                }

                break;
            }

            case AgentChanged changed when audience.Has(OrchestrationHub.Observers):
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.Id == changed.AgentId, cancellationToken);
                if (agent is not null)
                {
                    await hub.Clients.Group(OrchestrationHub.Observers).AgentChanged(AgentDto.From(agent, now));
                }

                break;
            }

            case HealthChanged when audience.Has(OrchestrationHub.Observers):
            {
                var summary = await health.SummaryAsync(cancellationToken);
                await hub.Clients.Group(OrchestrationHub.Observers).HealthChanged(new HealthChangedMessage(WireFormat.Of(summary.Status), summary.Message, now));
                break;
            }
        }
    }

    /// <summary>This node's agents that no longer hold a task another node changed stop following it.</summary>
    private async Task LeaveLostTaskAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent is not WorkItemChanged changed || !audience.HasHere(OrchestrationHub.TaskGroup(changed.WorkItemId)))
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var holder = await db.WorkItems.AsNoTracking().Where(w => w.Id == changed.WorkItemId).Select(w => w.AssignedAgentId).FirstOrDefaultAsync(cancellationToken);
        await LeaveAsync(OrchestrationHub.TaskGroup(changed.WorkItemId), holder, cancellationToken);
    }

    private async Task LeaveAsync(string group, Guid? holder, CancellationToken cancellationToken)
    {
        foreach (var connectionId in audience.OtherAgentsIn(group, holder))
        {
            audience.Leave(connectionId, group);
            await hub.Groups.RemoveFromGroupAsync(connectionId, group, cancellationToken);
        }
    }
}
