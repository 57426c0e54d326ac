using System.Text.Json.Serialization;
using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>GET failures/summary: the last 24 hours' failures by outcome, the maintenance windows and the deployment log's reader.</summary>
public sealed record FailureSummaryDto(
    DateTime Timestamp,
    [property: JsonPropertyName("last_24h")] FailureCountsDto Last24h,
    IReadOnlyList<MaintenanceWindowDto> MaintenanceWindows,
    DeploymentLogReaderDto DeploymentLog);

/// <summary>Failures received in a period, by what the intake made of them.</summary>
public sealed record FailureCountsDto(int Received, int Created, int Deduplicated, int Regressions, int Suppressed);

/// <summary>A maintenance window (an active monitoring rule that suppresses failures) and how many it suppressed.</summary>
public sealed record MaintenanceWindowDto(
    Guid RuleId, string Name, IReadOnlyList<string>? Environments, IReadOnlyList<string>? Sources, DateTime? StartsAt, DateTime? EndsAt,
    bool OpenNow, int SuppressedTotal)
{
    public static MaintenanceWindowDto From(MaintenanceWindow window, int suppressedTotal, DateTime now) => new(
        window.RuleId, window.Name, window.Environments, window.Sources, window.StartsAt, window.EndsAt, window.IsOpen(now), suppressedTotal);
}

/// <summary>
/// The deployment log and its reader: the file, whether it is watched, and the cursor's position and counts (null until the
/// log was first read).
/// </summary>
public sealed record DeploymentLogReaderDto(
    string Path, bool Exists, bool Watching, string? Format, long? Offset, long? Line, int? EntriesRead, long? MalformedLines, long? FailuresSeen,
    int? Rotations, int? Truncations, DateTime? LastReadAt)
{
    public static DeploymentLogReaderDto From(string path, bool watching, DeploymentLogCursor? cursor) => new(
        path, File.Exists(path), watching, cursor is null ? null : WireFormat.Of(cursor.Format), cursor?.Offset, cursor?.LineNumber, cursor?.EntriesRead,
        cursor?.MalformedLines, cursor?.FailuresSeen, cursor?.Rotations, cursor?.Truncations, cursor?.UpdatedAt);
}

/// <summary>POST status/check_deployment_failures: the original's message and what one read of the deployment log found.</summary>
public sealed record DeploymentLogCheckDto(
    string Message, int TasksCreated, IReadOnlyList<Guid> TaskIds, int Deduplicated, int Suppressed, int LinesRead, int MalformedLines,
    string LogPath, bool LogExists, string? Note)
{
    public static DeploymentLogCheckDto From(LogCheckResult result) => new(
        "Checked for deployment failures", result.CreatedTaskIds.Count, result.CreatedTaskIds, result.Deduplicated, result.Suppressed,
        result.LinesRead, result.Malformed, result.Path, result.Exists, result.Note);
}

/// <summary>
/// The answer to a GitHub delivery that was taken (202). Which shape depends on the event: <see cref="WebhookFailuresDto"/> for
/// runs and deployments, <see cref="WebhookEventDto"/> for issues and pull requests, <see cref="WebhookCheckDto"/> for CI on
/// the head of a pull request that works on a task. Written as the shape itself (no discriminator).
/// </summary>
[JsonDerivedType(typeof(WebhookFailuresDto))]
[JsonDerivedType(typeof(WebhookEventDto))]
[JsonDerivedType(typeof(WebhookCheckDto))]
public abstract record WebhookDeliveryDto;

/// <summary>A delivery read as failures (or as nothing, with the reason in <c>ignored</c>) and what the intake made of them.</summary>
public sealed record WebhookFailuresDto(
    string Event, string Delivery, string? Ignored, IReadOnlyList<FailureResultDto> Results, int Created, int Deduplicated, int Suppressed)
    : WebhookDeliveryDto;

/// <summary>An issue or pull-request event and what became of it.</summary>
public sealed record WebhookEventDto(string Event, string Delivery, string Result) : WebhookDeliveryDto;

/// <summary>CI on the head of a pull request that works on a task: recorded on that task.</summary>
public sealed record WebhookCheckDto(string Event, string Delivery, string? Ignored, string Result) : WebhookDeliveryDto;

/// <summary>The answer to GitHub's ping (200).</summary>
public sealed record WebhookPongDto(string Message, string? Zen);
