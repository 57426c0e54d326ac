using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>The <c>Orchestration</c> settings section (CONTRACT.md).</summary>
public sealed class OrchestrationOptions
{
    public const string Section = "Orchestration";

    public int IntervalSeconds { get; set; } = 30;
    public int DeploymentCheckIntervalSeconds { get; set; } = 60;
    public int HealthCheckIntervalSeconds { get; set; } = 300;
    public int HeartbeatTimeoutSeconds { get; set; } = 600;
    public int RetryBaseSeconds { get; set; } = 60;
    public int RetryMaxSeconds { get; set; } = 3600;
    public int BlockedEscalationMinutes { get; set; } = 120;

    /// <summary>An in-progress task with no report from its agent this long is taken back and given to another agent.</summary>
    public int StallTimeoutSeconds { get; set; } = 900;
    public bool DryRun { get; set; }
    public bool Verbose { get; set; }

    public TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(HeartbeatTimeoutSeconds);
    public TimeSpan BlockedEscalation => TimeSpan.FromMinutes(BlockedEscalationMinutes);
    public TimeSpan StallTimeout => TimeSpan.FromSeconds(StallTimeoutSeconds);
    public BackoffSettings Backoff => new(TimeSpan.FromSeconds(RetryBaseSeconds), TimeSpan.FromSeconds(RetryMaxSeconds));

    /// <summary>Problems with the values, each naming the setting and what is allowed.</summary>
    public IEnumerable<string> Validate()
    {
        static string? Range(string key, int value, int min, int max) =>
            value < min || value > max ? $"{Section}:{key} is {value}; allowed: {min} to {max}" : null;

        return new[]
        {
            Range(nameof(IntervalSeconds), IntervalSeconds, 1, 86_400),
            Range(nameof(DeploymentCheckIntervalSeconds), DeploymentCheckIntervalSeconds, 1, 86_400),
            Range(nameof(HealthCheckIntervalSeconds), HealthCheckIntervalSeconds, 1, 86_400),
            Range(nameof(HeartbeatTimeoutSeconds), HeartbeatTimeoutSeconds, 10, 7 * 86_400),
            Range(nameof(RetryBaseSeconds), RetryBaseSeconds, 1, 86_400),
            Range(nameof(RetryMaxSeconds), RetryMaxSeconds, 1, 7 * 86_400),
            Range(nameof(BlockedEscalationMinutes), BlockedEscalationMinutes, 1, 7 * 24 * 60),
            Range(nameof(StallTimeoutSeconds), StallTimeoutSeconds, 10, 86_400),
            RetryMaxSeconds < RetryBaseSeconds ? $"{Section}:RetryMaxSeconds ({RetryMaxSeconds}) must be at least RetryBaseSeconds ({RetryBaseSeconds})" : null,
        }.OfType<string>();
    }
}

/// <summary>Counters printed when the engine shuts down (reference §4.2), counted correctly.</summary>
public sealed class EngineStatistics(TimeProvider time)
{
    private long tasksProcessed;
    private long failuresHandled;
    private long agentsMonitored;
    private long escalations;
    private long sweeps;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public long TasksProcessed => Interlocked.Read(ref tasksProcessed);
    public long FailuresHandled => Interlocked.Read(ref failuresHandled);
    public long AgentsMonitored => Interlocked.Read(ref agentsMonitored);
    public long Escalations => Interlocked.Read(ref escalations);
    public long Sweeps => Interlocked.Read(ref sweeps);

    public void Assigned(int count = 1) => Interlocked.Add(ref tasksProcessed, count);
    public void FailureHandled() => Interlocked.Increment(ref failuresHandled);
    public void Monitored(int distinctAgents) => Interlocked.Exchange(ref agentsMonitored, Math.Max(AgentsMonitored, distinctAgents));
    public void Escalated() => Interlocked.Increment(ref escalations);
    public void Swept() => Interlocked.Increment(ref sweeps);

    public string Report(DateTimeOffset now)
    {
        var runtime = now - StartedAt;
        var perMinute = runtime.TotalMinutes > 0 ? TasksProcessed / runtime.TotalMinutes : 0;
        return string.Join(Environment.NewLine,
            "--- Orchestration Engine Statistics ---",
            $"Runtime: {runtime:hh\\:mm\\:ss}",
            $"Tasks processed: {TasksProcessed}",
            $"Failures handled: {FailuresHandled}",
            $"Escalations: {Escalations}",
            $"Agents monitored: {AgentsMonitored}",
            $"Sweeps: {Sweeps}",
            $"Average tasks/minute: {perMinute:F2}",
            "Orchestration Engine shutdown complete");
    }
}
