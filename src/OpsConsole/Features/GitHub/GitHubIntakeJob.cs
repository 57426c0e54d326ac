using Hangfire;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.GitHub;

/// <summary>
/// The intake's safety net: every GitHub:IntakePollSeconds, open issues with GitHub:IntakeLabel that have no task get one
/// (a webhook that never arrived, or arrived while the console was down). Idempotent: one task per issue is the database's rule.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[DisableConcurrentExecution(timeoutInSeconds: 120)]
public sealed class GitHubIntakeJob(GitHubIntake intake, GitHubStatus status, DatabaseGate gate, IOptionsMonitor<GitHubOptions> options, ILogger<GitHubIntakeJob> logger)
{
    public Task RunAsync(CancellationToken cancellationToken) => gate.RunAsync("The GitHub intake poll", async ct =>
    {
        if (!options.CurrentValue.IsConfigured || status.IsPaused(out _))
        {
            return;
        }

        try
        {
            await intake.PollAsync(ct);
        }
        catch (IssueTrackerException ex)
        {
            // The next poll tries again; webhooks keep working meanwhile.
            GitHubIntakeLog.PollSkipped(logger, ex.Message);
        }
    }, cancellationToken);
}
