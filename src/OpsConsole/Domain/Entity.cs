namespace OpsConsole.Domain;

/// <summary>Something that happened to an entity; published only after the change is committed.</summary>
public abstract record DomainEvent;

public sealed record WorkItemChanged(Guid WorkItemId) : DomainEvent;

public sealed record WorkItemAssigned(Guid WorkItemId, Guid AgentId) : DomainEvent;

/// <summary>The task was taken from the agent that held it (reassigned by a person); that agent is told, and its later reports are refused.</summary>
public sealed record WorkItemRevoked(Guid WorkItemId, Guid AgentId, string Reason) : DomainEvent;

public sealed record AgentChanged(Guid AgentId) : DomainEvent;

/// <summary>A task's GitHub issue changed: linked, delivered, unlinked or failed.</summary>
public sealed record IssueLinked(Guid WorkItemId) : DomainEvent;

public sealed record HealthChanged : DomainEvent;

public abstract class Entity
{
    private readonly List<DomainEvent> events = [];

    public IReadOnlyList<DomainEvent> Events => events;

    protected void Raise(DomainEvent domainEvent)
    {
        if (!events.Contains(domainEvent))
        {
            events.Add(domainEvent);
        }
    }

    public void ClearEvents() => events.Clear();
}

/// <summary>A state change that is not allowed from the current state; the message says why.</summary>
public sealed class TransitionRefusedException(string message) : InvalidOperationException(message);
