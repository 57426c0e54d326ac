namespace OpsConsole.Integrations.Notifications;

/// <summary>What notification delivery logs. Event ids 5100–5199 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class NotificationsLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Notification {Id} ({Event}, rule {Rule}) delivered")]
    public static partial void Delivered(ILogger logger, long id, string Event, string rule);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Notification {Id} ({Event}, rule {Rule}) not delivered (attempt {Attempt}): {Error}{Then}")]
    public static partial void NotDelivered(ILogger logger, long id, string Event, string rule, int attempt, string error, string then);
}
