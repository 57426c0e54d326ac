namespace OpsConsole.Features.Orchestration;

/// <summary>What the engine, the dispatcher and the sweep log. Event ids 6100–6199 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class OrchestrationLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Task {TaskId} ({Title}) deleted by {Actor}")]
    public static partial void TaskDeleted(ILogger logger, Guid taskId, string title, string actor);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "An assignment pass gave up ({Reason}); waiting tasks go at the next change or sweep")]
    public static partial void AssignmentPassGaveUp(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Information, Message = "Assigned {Count} pending tasks")]
    public static partial void Assigned(ILogger logger, int count);

    /// <summary>At Information when verbose or dry-run, at Debug otherwise (the caller picks).</summary>
    [LoggerMessage(EventId = 6120, Message = "{DryRun}Sweep: {Decision}")]
    public static partial void SweepDecision(ILogger logger, LogLevel level, string dryRun, string decision);

    [LoggerMessage(EventId = 6121, Level = LogLevel.Information, Message = "Sweep: {Assigned} assigned, {Escalated} escalated, {Offline} agents went offline, {Requeued} tasks requeued")]
    public static partial void Swept(ILogger logger, int assigned, int escalated, int offline, int requeued);

    [LoggerMessage(EventId = 6122, Level = LogLevel.Warning, Message = "Could not schedule a wake-up at {At}")]
    public static partial void WakeUpNotScheduled(ILogger logger, Exception exception, DateTime at);
}
