using OpsConsole.Domain;

namespace OpsConsole.Realtime;

/// <summary>What the event stream, the hub and the cluster bus log. Event ids 4000–4099 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class RealtimeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "An event subscriber failed on {Event}")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, DomainEvent Event);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Could not send {Event} to hub clients")]
    public static partial void FanOutFailed(ILogger logger, Exception exception, DomainEvent Event);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Could not push held tasks to agent {AgentId}")]
    public static partial void HeldTasksNotPushed(ILogger logger, Exception exception, Guid agentId);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Hub {Method} by {User} refused: {Reason}")]
    public static partial void HubCallRefused(ILogger logger, string method, string? user, string reason);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "Hub {Method} by {User} failed")]
    public static partial void HubCallFailed(ILogger logger, Exception exception, string method, string? user);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Node {Node} joined the cluster through Redis")]
    public static partial void JoinedCluster(ILogger logger, string node);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "A message from another node could not be read; it is ignored")]
    public static partial void ClusterMessageUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "Redis is reachable again: changes cross nodes again, and this node's pages re-read what they show")]
    public static partial void RedisReachable(ILogger logger);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "Redis is unreachable: this node keeps serving, but other nodes' changes reach its pages only when they re-read")]
    public static partial void RedisUnreachable(ILogger logger, Exception? exception);
}
