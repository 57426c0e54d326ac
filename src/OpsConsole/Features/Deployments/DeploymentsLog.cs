using System.Net;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// What the deployment intake logs: the log's watcher and tailer, the periodic check, failures that became tasks and
/// refused webhook deliveries. Event ids 6200–6299 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).
/// </summary>
internal static partial class DeploymentsLog
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Warning, Message = "Deployment log {File}: another node took over reading it; this node's read was not committed")]
    public static partial void ReadTakenOver(ILogger logger, string file);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information,
        Message = "Deployment log {File} ({Trigger}): {Lines} lines, {Failures} failures → {Created} new tasks, {Deduplicated} repeats, {Suppressed} suppressed, {Malformed} malformed lines skipped")]
    public static partial void Read(ILogger logger, string file, string trigger, int lines, int failures, int created, int deduplicated, int suppressed, int malformed);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "Deployment log {File} {What}; reading it from its start")]
    public static partial void Replaced(ILogger logger, string file, string what);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Information, Message = "Deployment log {File} was truncated ({Length} bytes, was read to {Offset}); reading it from its start")]
    public static partial void Truncated(ILogger logger, string file, long length, long offset);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Warning, Message = "Deployment log {File} line {Line} is longer than {Max} KiB and was skipped")]
    public static partial void LineTooLong(ILogger logger, string file, long line, int max);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "Deployment log {File} line {Line}: {Warning}")]
    public static partial void LineWarning(ILogger logger, string file, long line, string warning);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Warning, Message = "Deployment log {File} line {Line} is malformed and was skipped: {Error}")]
    public static partial void LineMalformed(ILogger logger, string file, long line, string error);

    [LoggerMessage(EventId = 6207, Level = LogLevel.Error, Message = "Deployment log {File} is a JSON document of {Length} bytes; documents over {Max} MiB are not read. Write JSON Lines instead.")]
    public static partial void DocumentTooLarge(ILogger logger, string file, long length, long max);

    [LoggerMessage(EventId = 6208, Level = LogLevel.Warning, Message = "Deployment log {File}: {Error}; it is read again when it changes")]
    public static partial void DocumentBroken(ILogger logger, string file, string error);

    [LoggerMessage(EventId = 6209, Level = LogLevel.Warning, Message = "Deployment log {File}: {Problem}")]
    public static partial void DocumentProblem(ILogger logger, string file, string problem);

    [LoggerMessage(EventId = 6210, Level = LogLevel.Information, Message = "Deployment log {File} now lists {Count} deployments, fewer than the {Read} already read; reading it from its start")]
    public static partial void DocumentShrank(ILogger logger, string file, int count, int read);

    [LoggerMessage(EventId = 6211, Level = LogLevel.Information, Message = "[dry-run] Deployment failure not recorded: {Title} ({Fingerprint}) from {Origin}")]
    public static partial void DryRunFailure(ILogger logger, string title, string fingerprint, string? origin);

    [LoggerMessage(EventId = 6220, Level = LogLevel.Warning, Message = "The folder of the deployment log {Path} does not exist; the deployment-check job looks for it periodically")]
    public static partial void FolderMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 6221, Level = LogLevel.Information, Message = "Watching the deployment log {Path}")]
    public static partial void Watching(ILogger logger, string path);

    [LoggerMessage(EventId = 6222, Level = LogLevel.Warning, Message = "Cannot watch the deployment log {Path}; the deployment-check job reads it periodically instead")]
    public static partial void CannotWatch(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 6223, Level = LogLevel.Error, Message = "Reading the deployment log {Path} failed; the next change or the deployment-check job tries again")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 6224, Level = LogLevel.Warning, Message = "The watcher of the deployment log {Path} failed; it is re-created by the next deployment check")]
    public static partial void WatcherFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 6225, Level = LogLevel.Information, Message = "Deployment check found {Count} failures the watcher had not handled yet")]
    public static partial void CheckFoundFailures(ILogger logger, int count);

    [LoggerMessage(EventId = 6230, Level = LogLevel.Information, Message = "Deployment failure → task {TaskId} '{Title}' ({Priority}, {Environment})")]
    public static partial void FailureBecameTask(ILogger logger, Guid taskId, string title, string priority, string? environment);

    [LoggerMessage(EventId = 6231, Level = LogLevel.Warning, Message = "Maintenance rule '{Rule}' is ignored: {Problem}")]
    public static partial void MaintenanceRuleIgnored(ILogger logger, string rule, string problem);

    [LoggerMessage(EventId = 6240, Level = LogLevel.Warning, Message = "Unsigned webhook delivery refused (from {Ip})")]
    public static partial void WebhookUnsigned(ILogger logger, IPAddress? ip);

    [LoggerMessage(EventId = 6241, Level = LogLevel.Warning, Message = "Webhook delivery with a wrong signature refused (from {Ip})")]
    public static partial void WebhookSignatureWrong(ILogger logger, IPAddress? ip);
}
