using OpsConsole.Domain;

namespace OpsConsole.Features.Health;

/// <summary>What health snapshots and metrics log. Event ids 6400–6499 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class HealthLog
{
    /// <summary>At Information when verbose, at Debug otherwise (the caller picks).</summary>
    [LoggerMessage(EventId = 6400, Message = "{Component}.{Metric}: {Status} {Value}")]
    public static partial void Sample(ILogger logger, LogLevel level, string component, string metric, HealthState status, string value);

    [LoggerMessage(EventId = 6401, Level = LogLevel.Warning, Message = "Health summary failed")]
    public static partial void SummaryFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6410, Level = LogLevel.Warning, Message = "Metrics kept their last figures: the database could not be read ({Reason})")]
    public static partial void MetricsKept(ILogger logger, string reason);
}
