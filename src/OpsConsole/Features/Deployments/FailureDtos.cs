using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>One result of POST failures/ (and of a webhook delivery), in the order the failures were sent.</summary>
public sealed record FailureResultDto(
    Guid? TaskId,
    bool Deduplicated,
    string? Fingerprint,
    string Outcome,
    int Occurrences,
    bool Suppressed,
    string? MaintenanceWindow,
    Guid? RegressionOf,
    string? Ignored)
{
    public static FailureResultDto From(IntakeResult r) => new(
        r.TaskId, r.Deduplicated, r.Fingerprint, WireFormat.Of(r.Outcome), r.Occurrences, r.Suppressed, r.MaintenanceWindow, r.RegressionOf, null);

    public static FailureResultDto NotAFailure(string reason) => new(null, false, null, "ignored", 0, false, null, null, $"not a failure: {reason}");
}

public sealed record FailureBatchDto(IReadOnlyList<FailureResultDto> Results, int Created, int Deduplicated, int Regressions, int Suppressed, int Ignored)
{
    public static FailureBatchDto From(IReadOnlyList<FailureResultDto> results) => new(
        results,
        results.Count(r => r.Outcome == "created"),
        results.Count(r => r.Deduplicated),
        results.Count(r => r.RegressionOf is not null),
        results.Count(r => r.Suppressed),
        results.Count(r => r.Ignored is not null));
}

/// <summary>A recorded failure (GET failures/).</summary>
public sealed record FailureRecordDto(
    Guid Id, DateTime ReceivedAt, DateTime? OccurredAt, string Channel, string? ReportedSource, string Environment, string? DeploymentId,
    string Fingerprint, string Step, string ErrorMessage, string Severity, string Outcome, Guid? TaskId, Guid? MaintenanceRuleId, string? Origin)
{
    public static FailureRecordDto From(FailureRecord f) => new(
        f.Id, f.ReceivedAt, f.OccurredAt, f.Channel, f.ReportedSource, f.Environment, f.DeploymentId, f.Fingerprint, f.Step,
        f.ErrorMessage, f.Severity, WireFormat.Of(f.Outcome), f.WorkItemId, f.MaintenanceRuleId, f.Origin);
}
