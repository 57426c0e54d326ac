using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class HealthRollupTests
{
    private static HealthSample Sample(string component, HealthState status, TimeSpan age) => new()
    {
        Component = component,
        MetricName = "metric",
        Status = status,
        LastCheck = Now - age,
    };

    private static readonly TimeSpan Fresh = TimeSpan.FromMinutes(1);

    [Fact]
    public void No_samples_at_all_is_unknown_with_no_recent_health_data()
    {
        var summary = HealthRollup.Summarize([], Now);

        Assert.Equal(new HealthSummary(HealthState.Unknown, "No recent health data"), summary);
    }

    [Fact]
    public void Samples_older_than_thirty_minutes_are_ignored_so_the_health_is_unknown()
    {
        var summary = HealthRollup.Summarize(
            [Sample("task_queue", HealthState.Critical, TimeSpan.FromMinutes(31)), Sample("agents", HealthState.Healthy, TimeSpan.FromHours(3))],
            Now);

        Assert.Equal(new HealthSummary(HealthState.Unknown, "No recent health data"), summary);
    }

    [Fact]
    public void Sample_exactly_thirty_minutes_old_still_counts()
    {
        var summary = HealthRollup.Summarize([Sample("task_queue", HealthState.Warning, TimeSpan.FromMinutes(30))], Now);

        Assert.Equal(HealthState.Warning, summary.Status);
    }

    [Fact]
    public void Any_fresh_critical_sample_makes_the_system_critical_with_the_count_of_critical_issues()
    {
        var summary = HealthRollup.Summarize(
            [
                Sample("task_queue", HealthState.Critical, Fresh),
                Sample("agents", HealthState.Critical, Fresh),
                Sample("deployments", HealthState.Warning, Fresh),
                Sample("github", HealthState.Healthy, Fresh),
            ],
            Now);

        Assert.Equal(new HealthSummary(HealthState.Critical, "2 critical issues detected"), summary);
    }

    [Fact]
    public void Fresh_warnings_without_critical_samples_make_the_system_warning_with_the_count()
    {
        var summary = HealthRollup.Summarize(
            [
                Sample("task_queue", HealthState.Warning, Fresh),
                Sample("agents", HealthState.Warning, Fresh),
                Sample("deployments", HealthState.Warning, Fresh),
                Sample("github", HealthState.Healthy, Fresh),
                Sample("old", HealthState.Critical, TimeSpan.FromHours(1)),
            ],
            Now);

        Assert.Equal(new HealthSummary(HealthState.Warning, "3 warnings detected"), summary);
    }

    [Fact]
    public void Only_healthy_fresh_samples_mean_all_systems_operational()
    {
        var summary = HealthRollup.Summarize(
            [Sample("task_queue", HealthState.Healthy, Fresh), Sample("agents", HealthState.Healthy, TimeSpan.FromMinutes(29)), Sample("old", HealthState.Critical, TimeSpan.FromDays(1))],
            Now);

        Assert.Equal(new HealthSummary(HealthState.Healthy, "All systems operational"), summary);
    }

    [Theory]
    [InlineData(0, HealthState.Healthy)]
    [InlineData(50, HealthState.Healthy)]
    [InlineData(51, HealthState.Warning)]
    [InlineData(100, HealthState.Warning)]
    [InlineData(101, HealthState.Critical)]
    public void Pending_queue_is_warning_above_fifty_and_critical_above_one_hundred(int pending, HealthState expected)
    {
        Assert.Equal(expected, HealthRollup.Grade(pending, warningAbove: 50, criticalAbove: 100));
    }
}
