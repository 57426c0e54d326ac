using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>What one read of the deployment log found.</summary>
public sealed record LogCheckResult(
    string Path,
    bool Exists,
    DeploymentLogFormat? Format,
    int LinesRead,
    int Malformed,
    int Failures,
    IReadOnlyList<Guid> CreatedTaskIds,
    int Deduplicated,
    int Suppressed,
    int SkippedAsOld,
    string? Note,
    DateTime? RetryAt = null)
{
    public static LogCheckResult Missing(string path) => new(path, false, null, 0, 0, 0, [], 0, 0, 0, "the log file does not exist (yet)");

    /// <summary>Another node reads the log now (it holds the lease); <see cref="RetryAt"/> is when its lease lapses if it goes silent.</summary>
    public static LogCheckResult ReadElsewhere(string path, LeaseResult lease) =>
        new(path, File.Exists(path), null, 0, 0, 0, [], 0, 0, 0, $"another node reads the deployment log: {lease.Describe()}", lease.HeldUntil);
}

/// <summary>The counts of one read as it goes, over every file and chunk it commits.</summary>
internal sealed class LogCheckTally(string path)
{
    public DeploymentLogFormat? Format { get; set; }
    public int LinesRead { get; set; }
    public int Malformed { get; set; }
    public int Failures { get; set; }
    public List<Guid> Created { get; } = [];
    public int Deduplicated { get; set; }
    public int Suppressed { get; set; }
    public int SkippedAsOld { get; set; }

    /// <summary>A commit: its malformed lines, its failures and what the intake made of them.</summary>
    public void Record(IReadOnlyList<IntakeResult> results, int malformed, int failures)
    {
        Malformed += malformed;
        Failures += failures;
        foreach (var result in results)
        {
            switch (result.Outcome)
            {
                case IntakeOutcome.Created or IntakeOutcome.Regression:
                    Created.Add(result.TaskId!.Value);
                    break;
                case IntakeOutcome.Deduplicated:
                    Deduplicated++;
                    break;
                case IntakeOutcome.Suppressed:
                    Suppressed++;
                    break;
            }
        }
    }

    public LogCheckResult Result() => new(path, true, Format, LinesRead, Malformed, Failures, Created, Deduplicated, Suppressed, SkippedAsOld, null);
}
