namespace OpsConsole.Features.Agents;

/// <summary>What agent administration, heartbeats and the demo agents log. Event ids 6000–6099 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class AgentsLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Agent {Agent} created by {Actor}")]
    public static partial void Created(ILogger logger, string agent, string actor);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Agent {Agent} edited by {Actor}")]
    public static partial void Edited(ILogger logger, string agent, string actor);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Agent {Agent} deleted by {Actor}")]
    public static partial void Deleted(ILogger logger, string agent, string actor);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Token of agent {Agent} rotated by {Actor}")]
    public static partial void TokenRotated(ILogger logger, string agent, string actor);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Agent {Agent} {Action} by {Actor}")]
    public static partial void StateChanged(ILogger logger, string agent, string action, string actor);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Agent {Agent} is back (heartbeat)")]
    public static partial void BackOnHeartbeat(ILogger logger, string agent);

    [LoggerMessage(EventId = 6050, Level = LogLevel.Warning,
        Message = "DEMO MODE is on (OpsConsole:Demo=true): simulated agents work the seeded agents' tasks and a feeder creates sample tasks. " +
                  "Set OpsConsole:Demo=false (or OpsConsole__Demo=false) to turn it off.")]
    public static partial void DemoModeOn(ILogger logger);

    [LoggerMessage(EventId = 6051, Level = LogLevel.Warning, Message = "Demo agents: a tick failed; trying again")]
    public static partial void DemoTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6052, Level = LogLevel.Debug, Message = "Demo agent {Agent} dropped task {TaskId}: {Reason}")]
    public static partial void DemoTaskDropped(ILogger logger, string agent, Guid taskId, string reason);

    [LoggerMessage(EventId = 6053, Level = LogLevel.Information, Message = "Demo agent {Agent} failed '{Title}': {Error}")]
    public static partial void DemoTaskFailed(ILogger logger, string agent, string title, string error);

    [LoggerMessage(EventId = 6054, Level = LogLevel.Information, Message = "Demo agent {Agent} completed '{Title}'")]
    public static partial void DemoTaskCompleted(ILogger logger, string agent, string title);

    [LoggerMessage(EventId = 6055, Level = LogLevel.Information, Message = "Demo feeder created '{Title}' ({Priority}), {Status}{Agent}")]
    public static partial void DemoTaskCreated(ILogger logger, string title, string priority, string status, string agent);

    [LoggerMessage(EventId = 6056, Level = LogLevel.Warning, Message = "Demo feeder could not create a task")]
    public static partial void DemoFeederFailed(ILogger logger, Exception exception);
}
