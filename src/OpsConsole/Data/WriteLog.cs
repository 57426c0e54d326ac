namespace OpsConsole.Data;

/// <summary>What the unit of work says about writes that had to run again or could not run.</summary>
internal static partial class WriteLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "A write met a concurrent change (attempt {Attempt}: {What}); running it again")]
    public static partial void ConflictRetried(ILogger logger, int attempt, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} writes could not be committed; none of them was applied")]
    public static partial void GroupFailed(ILogger logger, int count, Exception exception);
}
