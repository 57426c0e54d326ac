using Hangfire;
using Microsoft.Extensions.Options;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Health;
using OpsConsole.Features.Orchestration;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Jobs;

/// <summary>The one place recurring jobs are registered, with constant ids.</summary>
public sealed class JobRegistrar(
    IRecurringJobManager recurring, IBackgroundJobClient jobs, IOptions<OrchestrationOptions> options, IOptions<GitHubOptions> github, ILogger<JobRegistrar> logger)
    : IHostedService
{
    public const string OrchestrationSweep = "orchestration-sweep";
    public const string HealthSnapshot = "health-snapshot";
    public const string DeploymentCheck = "deployment-check";
    public const string GitHubOutbox = "github-outbox";
    public const string GitHubIntake = "github-intake";
    public const string NotificationDelivery = "notification-delivery";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        recurring.AddOrUpdate<OrchestrationSweepJob>(OrchestrationSweep, j => j.RunAsync(CancellationToken.None), Every(settings.IntervalSeconds));
        recurring.AddOrUpdate<HealthSnapshotJob>(HealthSnapshot, j => j.RunAsync(CancellationToken.None), Every(settings.HealthCheckIntervalSeconds));
        recurring.AddOrUpdate<DeploymentCheckJob>(DeploymentCheck, j => j.RunAsync(CancellationToken.None), Every(settings.DeploymentCheckIntervalSeconds));
        recurring.AddOrUpdate<GitHubOutboxJob>(GitHubOutbox, j => j.RunAsync(CancellationToken.None), Every(github.Value.DeliveryIntervalSeconds));
        recurring.AddOrUpdate<GitHubIntakeJob>(GitHubIntake, j => j.RunAsync(CancellationToken.None), Every(github.Value.IntakePollSeconds));
        recurring.AddOrUpdate<OpsConsole.Integrations.Notifications.NotificationDeliveryJob>(NotificationDelivery, j => j.RunAsync(CancellationToken.None), Every(15));

        // The first snapshot right away (once the job server runs), and a first sweep for whatever waited across a restart.
        jobs.Enqueue<HealthSnapshotJob>(j => j.RunAsync(CancellationToken.None));
        jobs.Enqueue<OrchestrationSweepJob>(j => j.RunAsync(CancellationToken.None));
        jobs.Enqueue<GitHubOutboxJob>(j => j.RunAsync(CancellationToken.None));
        JobsLog.RecurringJobs(logger, settings.IntervalSeconds, settings.HealthCheckIntervalSeconds, settings.DeploymentCheckIntervalSeconds);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A cron expression (with seconds) that fires every <paramref name="seconds"/>, rounded to the nearest interval
    /// that divides a minute, an hour or a day evenly, so the gaps between runs stay equal.
    /// </summary>
    public static string Every(int seconds)
    {
        static int Nearest(int value, int[] divisors) => divisors.MinBy(d => Math.Abs(d - value));

        if (seconds < 60)
        {
            return $"*/{Nearest(Math.Max(1, seconds), [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30])} * * * * *";
        }

        var minutes = (int)Math.Round(seconds / 60.0);
        if (minutes < 60)
        {
            return $"0 */{Nearest(minutes, [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30])} * * * *";
        }

        var hours = (int)Math.Round(minutes / 60.0);
        return hours < 24 ? $"0 0 */{Nearest(hours, [1, 2, 3, 4, 6, 8, 12])} * * *" : "0 0 0 * * *";
    }
}
