namespace OpsConsole.Integrations.GitHub;

/// <summary>What the GitHub outbox and its client log. Event ids 5000–5099 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class GitHubLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "GitHub outbox: another node took over delivery; this node stops its pass")]
    public static partial void OutboxTakenOver(ILogger logger);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "GitHub refused a change to the issue of task {Task}: {Message}; the task's later changes wait for a person")]
    public static partial void ChangeRefused(ILogger logger, Guid task, string message);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "{Message}")]
    public static partial void Throttled(ILogger logger, string message);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "GitHub delivery paused until {Until:HH:mm:ss} UTC: {Message}")]
    public static partial void DeliveryPaused(ILogger logger, DateTime until, string message);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "GitHub outbox: {Delivered} changes delivered, {Pending} waiting")]
    public static partial void OutboxPass(ILogger logger, int delivered, int pending);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "GitHub issue #{Number} opened for task {Task}: {Url}")]
    public static partial void IssueOpened(ILogger logger, int number, Guid task, string url);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "GitHub issue #{Number} already existed for task {Task} (an earlier attempt's answer was lost): linked, not created again")]
    public static partial void IssueFoundAgain(ILogger logger, int number, Guid task);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "[dry-run] Would open a GitHub issue for task {Task}: {Title} (labels {Labels}, assignee {Assignee})\n{Body}")]
    public static partial void DryRunOpen(ILogger logger, Guid task, string title, string labels, string assignee, string body);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "[dry-run] Would {Kind} the GitHub issue of task {Task}: {Text}")]
    public static partial void DryRunChange(ILogger logger, string kind, Guid task, string text);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Could not queue a GitHub delivery")]
    public static partial void DeliveryNotQueued(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "GitHub refused assignee {Assignee} ({Message}); creating the issue unassigned")]
    public static partial void AssigneeRefused(ILogger logger, string assignee, string message);
}
