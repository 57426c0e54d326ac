using OpsConsole.Jobs;

namespace OpsConsole.UnitTests.Jobs;

public sealed class JobRegistrarTests
{
    [Theory]
    [InlineData(1, "*/1 * * * * *")]
    [InlineData(15, "*/15 * * * * *")]
    [InlineData(30, "*/30 * * * * *")]
    [InlineData(60, "0 */1 * * * *")]
    [InlineData(300, "0 */5 * * * *")]
    [InlineData(600, "0 */10 * * * *")]
    [InlineData(1800, "0 */30 * * * *")]
    [InlineData(3600, "0 0 */1 * * *")]
    [InlineData(7200, "0 0 */2 * * *")]
    [InlineData(43200, "0 0 */12 * * *")]
    [InlineData(86400, "0 0 0 * * *")]
    public void Interval_becomes_a_cron_expression_with_seconds(int seconds, string expected)
    {
        Assert.Equal(expected, JobRegistrar.Every(seconds));
    }

    [Theory]
    [InlineData(45, "*/30 * * * * *")]
    [InlineData(59, "*/30 * * * * *")]
    [InlineData(420, "0 */6 * * * *")]
    [InlineData(5 * 3600, "0 0 */4 * * *")]
    public void Interval_that_does_not_divide_the_minute_or_hour_is_rounded_to_one_that_does_so_gaps_stay_equal(int seconds, string expected)
    {
        Assert.Equal(expected, JobRegistrar.Every(seconds));
    }

    [Fact]
    public void Interval_below_one_second_still_fires_every_second()
    {
        Assert.Equal("*/1 * * * * *", JobRegistrar.Every(0));
    }

    [Fact]
    public void Every_allowed_interval_gives_six_cron_fields()
    {
        var crons = Enumerable.Range(0, 86_400 / 7).Select(i => (Seconds: 1 + (i * 7), Cron: JobRegistrar.Every(1 + (i * 7))));

        Assert.All(crons, c => Assert.Equal(6, c.Cron.Split(' ').Length));
    }

    [Fact]
    public void Recurring_job_ids_are_constant()
    {
        Assert.Equal("orchestration-sweep", JobRegistrar.OrchestrationSweep);
        Assert.Equal("health-snapshot", JobRegistrar.HealthSnapshot);
    }
}
