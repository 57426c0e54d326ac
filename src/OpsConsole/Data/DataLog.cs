namespace OpsConsole.Data;

/// <summary>
/// What the data layer logs: retried and failed writes, the database's outages, leases, seeding and the WAL checkpoint.
/// Event ids 2000–2099 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).
/// </summary>
internal static partial class DataLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "A write met a concurrent change (attempt {Attempt}: {What}); running it again")]
    public static partial void ConflictRetried(ILogger logger, int attempt, string what);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "A group of {Count} writes could not be committed; none of them was applied")]
    public static partial void GroupFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "{Work} paused: database unavailable since {Since:HH:mm:ss} UTC ({Reason}); it resumes by itself when the database is back")]
    public static partial void WorkPaused(ILogger logger, string work, DateTime since, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "{Work} resumed: the database is available again (it was unavailable since {Since:HH:mm:ss} UTC)")]
    public static partial void WorkResumed(ILogger logger, string work, DateTime since);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "This node ({Holder}) now does '{Lease}'")]
    public static partial void LeaseTaken(ILogger logger, string holder, string lease);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Skipped '{Lease}': {Holder}")]
    public static partial void LeasedWorkSkipped(ILogger logger, string lease, string holder);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Could not give back the lease on '{Lease}'; other nodes take it over when it lapses")]
    public static partial void LeaseNotReleased(ILogger logger, Exception exception, string lease);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Debug, Message = "Could not renew the lease on '{Lease}'")]
    public static partial void LeaseNotRenewed(ILogger logger, Exception exception, string lease);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Seeded agent {Agent}")]
    public static partial void AgentSeeded(ILogger logger, string agent);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Rule {Rule} now configures what it described")]
    public static partial void DescriptiveRuleUpgraded(ILogger logger, string rule);

    [LoggerMessage(EventId = 2050, Level = LogLevel.Debug, Message = "The SQLite writer runs at nice {Nice}, ahead of the request threads")]
    public static partial void WriterPriorityRaised(ILogger logger, int nice);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Information, Message = "The SQLite writer runs at the process's priority: raising it needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice {Nice} (about 20% more writes a second when the cores are busy)")]
    public static partial void WriterPriorityUnchanged(ILogger logger, int nice);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "The background WAL checkpoint failed ({Reason}); it is tried again every second")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string reason);
}
