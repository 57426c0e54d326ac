using MudBlazor;
using OpsConsole.Components;
using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Components;

public sealed class UiTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(45, "45s")]
    [InlineData(90, "1m 30s")]
    [InlineData(3599, "59m 59s")]
    [InlineData(3600, "1h 0m")]
    [InlineData(7500, "2h 5m")]
    [InlineData(93600, "1d 2h")]
    public void Span_is_written_in_the_two_largest_units(int seconds, string expected)
    {
        Assert.Equal(expected, Ui.Span(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Negative_span_is_shown_as_zero()
    {
        Assert.Equal("0s", Ui.Span(TimeSpan.FromMinutes(-5)));
    }

    [Fact]
    public void Age_says_how_long_ago_or_never()
    {
        Assert.Equal("1m 30s ago", Ui.Age(Now.AddSeconds(-90), Now));
        Assert.Equal("never", Ui.Age(null, Now));
    }

    [Fact]
    public void Until_counts_down_to_a_time_and_stops_at_zero()
    {
        Assert.Equal("2m 0s", Ui.Until(Now.AddMinutes(2), Now));
        Assert.Equal("0s", Ui.Until(Now.AddMinutes(-2), Now));
    }

    [Fact]
    public void Failed_and_blocked_tasks_show_in_the_error_colour_and_completed_in_success()
    {
        Assert.Equal(Color.Error, Ui.StatusColor(WorkItemStatus.Failed));
        Assert.Equal(Color.Error, Ui.StatusColor(WorkItemStatus.Blocked));
        Assert.Equal(Color.Success, Ui.StatusColor(WorkItemStatus.Completed));
    }

    [Fact]
    public void Each_priority_has_its_own_colour()
    {
        var colours = Enum.GetValues<WorkItemPriority>().Select(Ui.PriorityColor).ToList();

        Assert.Equal(colours.Count, colours.Distinct().Count());
    }

    [Theory]
    [InlineData(AgentStatus.Available, Color.Success)]
    [InlineData(AgentStatus.Busy, Color.Warning)]
    [InlineData(AgentStatus.Offline, Color.Error)]
    [InlineData(AgentStatus.Error, Color.Error)]
    public void Agent_status_colour_goes_from_success_to_error(AgentStatus status, Color expected)
    {
        Assert.Equal(expected, Ui.AgentColor(status));
    }

    [Theory]
    [InlineData("healthy", Color.Success)]
    [InlineData("warning", Color.Warning)]
    [InlineData("critical", Color.Error)]
    [InlineData("unknown", Color.Default)]
    public void Health_colour_follows_the_wire_status(string status, Color expected)
    {
        Assert.Equal(expected, Ui.HealthColor(status));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(10, 5)]
    [InlineData(24, 10)]
    [InlineData(100, 50)]
    [InlineData(180, 50)]
    [InlineData(1500, 500)]
    public void Chart_ticks_are_round_and_about_four_over_the_values(double span, int expected)
    {
        Assert.Equal(expected, Ui.NiceStep(span));
    }

    [Fact]
    public void Chart_ticks_survive_nonsense_spans()
    {
        Assert.Equal(1, Ui.NiceStep(double.NaN));
        Assert.Equal(1, Ui.NiceStep(-5));
        Assert.Equal(1, Ui.NiceStep(double.PositiveInfinity));
    }

    [Fact]
    public void Agent_without_finished_tasks_has_no_success_rate_yet()
    {
        var agent = NewAgent("Fresh", AgentKind.General, 3, 1.0);

        Assert.Equal("—", Ui.SuccessRate(agent));
    }

    [Fact]
    public void Average_time_is_a_dash_until_the_agent_has_completed_a_task()
    {
        var agent = NewAgent("Timed", AgentKind.General, 3, 1.0);
        Assert.Equal("—", Ui.AverageTime(agent));
        agent.RecordOutcome(completed: false, null, Now);
        Assert.Equal("—", Ui.AverageTime(agent));

        agent.RecordOutcome(completed: true, TimeSpan.FromMinutes(3), Now);

        Assert.Equal(Ui.Span(TimeSpan.FromMinutes(3)), Ui.AverageTime(agent));
        Assert.NotEqual("—", Ui.AverageTime(agent));
    }

    [Fact]
    public void Success_rate_counts_the_recent_outcomes()
    {
        var agent = NewAgent("Worker", AgentKind.General, 3, 1.0);
        agent.RecordOutcome(completed: true, TimeSpan.FromMinutes(1), Now);
        agent.RecordOutcome(completed: false, null, Now);

        Assert.Equal("50 %", Ui.SuccessRate(agent));
    }

    [Fact]
    public void Audit_changes_line_up_before_and_after_field_by_field()
    {
        var changes = Ui.AuditChanges("""{"priority":"low","status":"pending"}""", """{"priority":"high","assigned_agent_id":"a-1"}""");

        Assert.Equal(
            [("assigned_agent_id", null, "a-1"), ("priority", "low", "high"), ("status", "pending", null)],
            changes);
    }

    [Fact]
    public void Audit_text_that_is_not_a_json_object_shows_as_one_value()
    {
        Assert.Equal([("value", null, "not json")], Ui.AuditChanges(null, "not json"));
        Assert.Empty(Ui.AuditChanges(null, null));
    }
}
