using Hangfire;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.GitHub;

/// <summary>
/// The intake's safety net: every GitHub:IntakePollSeconds, open issues with GitHub:IntakeLabel that have no task get one
/// (a webhook that never arrived, or arrived while the console was down). Idempotent: one task per issue is the database's rule;
/// one poll at a time over the nodes (a lease, not Hangfire's lock, whose holder may have been killed) spares GitHub's quota.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class GitHubIntakeJob(GitHubIntake intake, GitHubStatus status, DatabaseGate gate, Leases leases, IOptionsMonitor<GitHubOptions> options, ILogger<GitHubIntakeJob> logger)
{
    public const string Lease = "github-intake";

    public Task RunAsync(CancellationToken cancellationToken) =>
        options.CurrentValue.IsConfigured && !status.IsPaused(out _)
            ? gate.RunAsync("The GitHub intake poll", ct => leases.RunExclusiveAsync(Lease, PollAsync, ct), cancellationToken)
            : Task.CompletedTask;

    private async Task PollAsync(CancellationToken ct)
    {
        try
        {
            await intake.PollAsync(ct);
        }
        catch (IssueTrackerException ex)
        {
            // The next poll tries again; webhooks keep working meanwhile.
            GitHubIntakeLog.PollSkipped(logger, ex.Message);
        }
    }
}
