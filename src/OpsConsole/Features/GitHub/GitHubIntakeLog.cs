namespace OpsConsole.Features.GitHub;

/// <summary>What the GitHub intake, issue links and the pull-request loop log. Event ids 6300–6399 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class GitHubIntakeLog
{
    [LoggerMessage(EventId = 6300, Level = LogLevel.Warning, Message = "GitHub intake poll skipped: {Message}")]
    public static partial void PollSkipped(ILogger logger, string message);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "GitHub intake poll: {Created} of {Seen} labelled issues became tasks")]
    public static partial void Polled(ILogger logger, int created, int seen);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Information, Message = "GitHub issue #{Number} became task {TaskId}")]
    public static partial void IssueBecameTask(ILogger logger, int number, Guid? taskId);

    [LoggerMessage(EventId = 6310, Level = LogLevel.Information, Message = "Linking issue #{Number} without checking it: {Message}")]
    public static partial void LinkedUnchecked(ILogger logger, int number, string message);

    [LoggerMessage(EventId = 6320, Level = LogLevel.Information, Message = "Pull request #{Number} changed nothing on task {TaskId}: {Message}")]
    public static partial void PullRequestChangedNothing(ILogger logger, int number, Guid taskId, string message);

    [LoggerMessage(EventId = 6321, Level = LogLevel.Information, Message = "Task {TaskId} was not escalated for pull request #{Number}: {Message}")]
    public static partial void NotEscalated(ILogger logger, Guid taskId, int number, string message);
}
