using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class MaintenanceWindowTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static FailureReport Failure(string environment = "production", string channel = FailureChannels.DeploymentLog, string? source = null) =>
        new() { Channel = channel, ReportedSource = source, ErrorMessage = "boom", Environment = environment };

    private static MaintenanceWindow Window(string conditions) =>
        MaintenanceWindow.From(Guid.NewGuid(), "db upgrade", conditions, """{"maintenance": true}""", out _)!;

    [Fact]
    public void A_window_covers_matching_failures_only_while_it_is_open()
    {
        var window = Window("""{"environment": "production", "starts_at": "2026-11-25T11:00:00Z", "ends_at": "2026-11-25T13:00:00Z"}""");

        Assert.True(window.Covers(Failure(), Now));
        Assert.False(window.Covers(Failure("staging"), Now));
        Assert.False(window.Covers(Failure(), Now.AddHours(2)));
        Assert.False(window.Covers(Failure(), Now.AddHours(-2)));
    }

    [Fact]
    public void Sources_match_the_channel_or_the_senders_own_source()
    {
        var window = Window("""{"source": ["github_webhook", "jenkins"]}""");

        Assert.True(window.Covers(Failure(channel: FailureChannels.GitHubWebhook), Now));
        Assert.True(window.Covers(Failure(channel: FailureChannels.FailureApi, source: "jenkins"), Now));
        Assert.False(window.Covers(Failure(), Now));
    }

    [Fact]
    public void Environment_names_in_the_window_are_normalised_like_failures()
    {
        Assert.True(Window("""{"environment": ["prod"]}""").Covers(Failure(), Now));
    }

    [Fact]
    public void A_monitoring_rule_without_the_maintenance_action_is_not_a_window()
    {
        Assert.Null(MaintenanceWindow.From(Guid.NewGuid(), "backlog", """{"pending_tasks_above": 50}""", """{"health": "warning"}""", out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void A_broken_window_says_what_is_wrong()
    {
        Assert.Null(MaintenanceWindow.From(Guid.NewGuid(), "bad", """{"starts_at": "tonight"}""", """{"maintenance": true}""", out var problem));
        Assert.Contains("starts_at", problem, StringComparison.Ordinal);
    }
}
