using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class WireFormatTests
{
    private static IEnumerable<string> WireValues<TEnum>()
        where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(v => WireFormat.Of(v));

    // ---- the enumerations hold exactly the reference's values (§1.1) ----

    [Fact]
    public void Task_types_are_exactly_the_fifteen_of_the_reference()
    {
        Assert.Equal(
            [
                "deployment", "bug_fix", "feature_development", "system_monitoring", "data_processing", "github_issue", "code_review",
                "testing", "documentation", "maintenance", "task_discovery", "application_analysis", "performance_optimization",
                "security_enhancement", "ux_improvement",
            ],
            WireValues<WorkItemKind>());
    }

    [Fact]
    public void Task_statuses_are_exactly_the_nine_of_the_reference()
    {
        Assert.Equal(
            ["pending", "assigned", "in_progress", "blocked", "review", "completed", "failed", "cancelled", "escalated"],
            WireValues<WorkItemStatus>());
    }

    [Fact]
    public void Agent_types_are_exactly_the_seven_of_the_reference()
    {
        Assert.Equal(["deployment", "code", "testing", "monitoring", "github", "general", "discovery"], WireValues<AgentKind>());
    }

    [Fact]
    public void Agent_statuses_are_exactly_the_five_of_the_reference()
    {
        Assert.Equal(["available", "busy", "offline", "maintenance", "error"], WireValues<AgentStatus>());
    }

    [Fact]
    public void Rule_types_are_the_six_of_the_reference_and_notification()
    {
        Assert.Equal(
            ["task_creation", "task_assignment", "task_escalation", "agent_selection", "failure_handling", "monitoring", "notification"],
            WireValues<RuleKind>());
    }

    [Fact]
    public void Health_states_are_exactly_the_four_of_the_reference()
    {
        Assert.Equal(["healthy", "warning", "critical", "unknown"], WireValues<HealthState>());
    }

    [Fact]
    public void Priorities_are_the_five_of_the_reference_ranked_low_to_emergency_by_number()
    {
        var byRank = Enum.GetValues<WorkItemPriority>().OrderBy(p => (int)p).Select(p => p.Wire());

        Assert.Equal(["low", "medium", "high", "critical", "emergency"], byRank);
        Assert.Equal([1, 2, 3, 4, 5], Enum.GetValues<WorkItemPriority>().Select(p => (int)p).Order());
        Assert.True(WorkItemPriority.Low < WorkItemPriority.Medium);
        Assert.True(WorkItemPriority.Medium < WorkItemPriority.High);
        Assert.True(WorkItemPriority.High < WorkItemPriority.Critical);
        Assert.True(WorkItemPriority.Critical < WorkItemPriority.Emergency);
    }

    // ---- spelling ----

    [Fact]
    public void Each_enum_has_its_snake_case_wire_spelling()
    {
        Assert.Equal("in_progress", WorkItemStatus.InProgress.Wire());
        Assert.Equal("bug_fix", WorkItemKind.BugFix.Wire());
        Assert.Equal("ux_improvement", WorkItemKind.UxImprovement.Wire());
        Assert.Equal("github_issue", WorkItemKind.GithubIssue.Wire());
        Assert.Equal("emergency", WorkItemPriority.Emergency.Wire());
        Assert.Equal("maintenance", AgentStatus.Maintenance.Wire());
        Assert.Equal("github", AgentKind.Github.Wire());
        Assert.Equal("api_key", WireFormat.Of(ActorKind.ApiKey));
    }

    [Theory]
    [InlineData("InProgress", "in_progress")]
    [InlineData("PerformanceOptimization", "performance_optimization")]
    [InlineData("Low", "low")]
    [InlineData("already_snake", "already_snake")]
    public void Snake_case_puts_an_underscore_before_each_inner_capital(string name, string expected)
    {
        Assert.Equal(expected, WireFormat.SnakeCase(name));
    }

    [Fact]
    public void Every_wire_spelling_reads_back_to_the_same_value()
    {
        AssertRoundTrip<WorkItemKind>();
        AssertRoundTrip<WorkItemStatus>();
        AssertRoundTrip<WorkItemPriority>();
        AssertRoundTrip<AgentKind>();
        AssertRoundTrip<AgentStatus>();
        AssertRoundTrip<RuleKind>();
        AssertRoundTrip<HealthState>();
    }

    private static void AssertRoundTrip<TEnum>()
        where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            Assert.True(WireFormat.TryParse<TEnum>(WireFormat.Of(value), out var parsed), $"{typeof(TEnum).Name}.{value}");
            Assert.Equal(value, parsed);
        }
    }

    [Theory]
    [InlineData("in_progress")]
    [InlineData("IN_PROGRESS")]
    [InlineData("In_Progress")]
    [InlineData("  in_progress ")]
    public void Wire_values_are_read_case_insensitively_and_trimmed(string text)
    {
        Assert.True(WireFormat.TryParse<WorkItemStatus>(text, out var status));
        Assert.Equal(WorkItemStatus.InProgress, status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("InProgress")]
    [InlineData("in progress")]
    [InlineData("done")]
    [InlineData("2")]
    public void Anything_but_a_wire_spelling_is_refused(string? text)
    {
        Assert.False(WireFormat.TryParse<WorkItemStatus>(text, out _));
    }

    [Fact]
    public void Numbers_are_not_accepted_as_priorities()
    {
        Assert.False(WireFormat.TryParse<WorkItemPriority>("5", out _));
    }

    [Fact]
    public void Allowed_lists_every_wire_spelling_in_declaration_order()
    {
        Assert.Equal("low, medium, high, critical, emergency", WireFormat.Allowed<WorkItemPriority>());
        Assert.Equal("available, busy, offline, maintenance, error", WireFormat.Allowed<AgentStatus>());
        Assert.Equal(15, WireFormat.Allowed<WorkItemKind>().Split(", ").Length);
        Assert.Contains("ux_improvement", WireFormat.Allowed<WorkItemKind>());
    }
}
