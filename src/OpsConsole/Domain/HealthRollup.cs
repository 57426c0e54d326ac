namespace OpsConsole.Domain;

public sealed record HealthSummary(HealthState Status, string Message);

/// <summary>The rolled-up health of reference §10.1: samples of the last 30 minutes, worst first.</summary>
public static class HealthRollup
{
    public static readonly TimeSpan Freshness = TimeSpan.FromMinutes(30);

    public static HealthSummary Summarize(IEnumerable<HealthSample> latestSamples, DateTime now)
    {
        var fresh = latestSamples.Where(s => s.LastCheck >= now - Freshness).ToList();
        if (fresh.Count == 0)
        {
            return new HealthSummary(HealthState.Unknown, "No recent health data");
        }

        var critical = fresh.Count(s => s.Status == HealthState.Critical);
        if (critical > 0)
        {
            return new HealthSummary(HealthState.Critical, $"{critical} critical issues detected");
        }

        var warnings = fresh.Count(s => s.Status == HealthState.Warning);
        return warnings > 0
            ? new HealthSummary(HealthState.Warning, $"{warnings} warnings detected")
            : new HealthSummary(HealthState.Healthy, "All systems operational");
    }

    /// <summary>healthy below warning, warning from warning, critical above critical (higher is worse).</summary>
    public static HealthState Grade(double value, double warningAbove, double criticalAbove) =>
        value > criticalAbove ? HealthState.Critical : value > warningAbove ? HealthState.Warning : HealthState.Healthy;
}
