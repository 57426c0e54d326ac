namespace OpsConsole.Domain;

/// <summary>A word from a person to the agent running a task ("steer"): kept with the task, pushed to the agent that holds it.</summary>
public sealed class TaskMessage : Entity
{
    public const int MaxText = 4000;

    public Guid Id { get; init; } = NewId.Next();
    public Guid WorkItemId { get; init; }
    public string Text { get; init; } = "";
    public string Author { get; init; } = "";
    public DateTime CreatedOn { get; init; }

    /// <summary>A new message to <paramref name="item"/>'s agent; its holder (if any) hears it once it is committed.</summary>
    public static TaskMessage To(WorkItem item, string text, string author, DateTime now)
    {
        var message = new TaskMessage { WorkItemId = item.Id, Text = text, Author = author, CreatedOn = now };
        message.Raise(new TaskMessagePosted(item.Id, message.Id, item.AssignedAgentId));
        return message;
    }
}

/// <summary>A message was posted on a task; <paramref name="AgentId"/> held the task then and is told (TaskMessage).</summary>
public sealed record TaskMessagePosted(Guid WorkItemId, Guid MessageId, Guid? AgentId) : DomainEvent;
