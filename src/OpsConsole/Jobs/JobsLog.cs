namespace OpsConsole.Jobs;

/// <summary>What the job registration logs. Event ids 1100–1199 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class JobsLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Recurring jobs: sweep every {Sweep}s, health every {Health}s, deployment log every {Deployments}s (and on every change)")]
    public static partial void RecurringJobs(ILogger logger, int sweep, int health, int deployments);
}
