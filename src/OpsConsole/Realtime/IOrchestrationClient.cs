using OpsConsole.Features.Agents;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Realtime;

/// <summary>
/// What the hub sends to its clients, one method per event (the method's name is the event's name on the wire). Observers
/// receive <see cref="TaskChanged"/>, <see cref="AgentChanged"/>, <see cref="HealthChanged"/> and <see cref="IssueLinked"/>;
/// an agent receives <see cref="TaskAssigned"/>, <see cref="TaskRevoked"/> and <see cref="TaskMessage"/> for its own tasks,
/// and <see cref="TaskChanged"/> for a task it follows.
/// </summary>
public interface IOrchestrationClient
{
    Task TaskChanged(TaskListDto task);

    Task TaskAssigned(TaskDetailDto task);

    Task TaskRevoked(TaskRevokedMessage revoked);

    Task TaskMessage(TaskMessagePush message);

    Task IssueLinked(IssueLinkedMessage issue);

    Task AgentChanged(AgentDto agent);

    Task HealthChanged(HealthChangedMessage health);
}

/// <summary>The agent no longer holds the task (reassigned, cancelled, timed out): it stops working on it.</summary>
public sealed record TaskRevokedMessage(Guid TaskId, string Reason);

/// <summary>A person's message to the agent running the task.</summary>
public sealed record TaskMessagePush(Guid TaskId, Guid Id, string Text, string Author);

/// <summary>The task's GitHub issue: its number and address once it exists, and how its delivery stands.</summary>
public sealed record IssueLinkedMessage(Guid TaskId, int? GithubIssueNumber, string? GithubIssueUrl, string GithubIssueState);

/// <summary>The system's health as the dashboard's banner shows it.</summary>
public sealed record HealthChangedMessage(string Status, string Message, DateTime At);
