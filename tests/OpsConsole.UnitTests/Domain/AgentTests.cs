using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class AgentTests
{
    private static Agent NewGeneral(int max = 3) => NewAgent("Worker", AgentKind.General, max, 1.0);

    [Fact]
    public void Agent_without_history_has_a_success_rate_of_one()
    {
        var agent = NewGeneral();

        Assert.Equal(1.0, agent.SuccessRate);
        Assert.False(agent.HasHistory);
        Assert.Equal(agent.PriorityWeight, agent.EfficiencyScore);
    }

    [Fact]
    public void Success_rate_is_the_share_of_completions_among_the_recorded_outcomes()
    {
        var agent = NewGeneral();
        agent.RecordOutcome(true, null, Now);
        agent.RecordOutcome(true, null, Now);
        agent.RecordOutcome(true, null, Now);
        agent.RecordOutcome(false, null, Now);

        Assert.Equal(0.75, agent.SuccessRate);
        Assert.Equal(3, agent.TotalTasksCompleted);
        Assert.Equal(1, agent.TotalTasksFailed);
    }

    [Fact]
    public void Success_rate_counts_only_the_last_twenty_outcomes()
    {
        var agent = NewGeneral();
        for (var i = 0; i < 5; i++)
        {
            agent.RecordOutcome(false, null, Now);
        }

        for (var i = 0; i < 20; i++)
        {
            agent.RecordOutcome(true, null, Now);
        }

        Assert.Equal(1.0, agent.SuccessRate);
        Assert.Equal(20, agent.RecentOutcomes.Length);
        Assert.Equal(5, agent.TotalTasksFailed);
        Assert.Equal(20, agent.TotalTasksCompleted);
    }

    [Fact]
    public void Ten_failures_among_the_last_twenty_outcomes_give_a_success_rate_of_one_half()
    {
        var agent = NewGeneral();
        for (var i = 0; i < 30; i++)
        {
            agent.RecordOutcome(i % 3 == 0, null, Now); // older outcomes, pushed out of the window below
        }

        for (var i = 0; i < 20; i++)
        {
            agent.RecordOutcome(i % 2 == 0, null, Now);
        }

        Assert.Equal(0.5, agent.SuccessRate);
    }

    [Fact]
    public void Efficiency_never_falls_below_a_quarter_of_the_weight_for_a_free_agent()
    {
        var agent = NewAgent("Worker", AgentKind.General, 3, 4.0);
        for (var i = 0; i < 25; i++)
        {
            agent.RecordOutcome(false, null, Now);
        }

        Assert.Equal(0.0, agent.SuccessRate);
        Assert.Equal(1.0, agent.EfficiencyScore);
    }

    [Fact]
    public void Average_completion_time_starts_at_the_first_completion_and_then_weights_new_samples_at_thirty_percent()
    {
        var agent = NewGeneral();
        Assert.Equal(TimeSpan.FromHours(1), agent.AverageCompletionTime);

        agent.RecordOutcome(true, TimeSpan.FromMinutes(10), Now);
        Assert.Equal(TimeSpan.FromMinutes(10), agent.AverageCompletionTime);

        agent.RecordOutcome(true, TimeSpan.FromMinutes(20), Now);
        Assert.Equal(13 * 60, agent.AverageCompletionTime.TotalSeconds, 3);

        agent.RecordOutcome(false, TimeSpan.FromHours(5), Now);
        Assert.Equal(13 * 60, agent.AverageCompletionTime.TotalSeconds, 3);
    }

    [Fact]
    public void Agent_becomes_busy_exactly_when_it_reaches_capacity()
    {
        var agent = NewGeneral(max: 3);

        agent.TakeTask(Now);
        agent.TakeTask(Now);
        Assert.Equal(AgentStatus.Available, agent.Status);
        Assert.True(agent.IsAvailableForAssignment);

        agent.TakeTask(Now);
        Assert.Equal(AgentStatus.Busy, agent.Status);
        Assert.False(agent.IsAvailableForAssignment);
        Assert.Equal(3, agent.ActiveTaskCount);
        Assert.Equal(1.0, agent.Load);
    }

    [Fact]
    public void Busy_agent_is_available_again_as_soon_as_it_releases_a_task()
    {
        var agent = NewGeneral(max: 2).AtCapacity();
        Assert.Equal(AgentStatus.Busy, agent.Status);

        agent.ReleaseTask(Now);

        Assert.Equal(AgentStatus.Available, agent.Status);
        Assert.True(agent.IsAvailableForAssignment);
        Assert.Equal(1, agent.ActiveTaskCount);
    }

    [Fact]
    public void Releasing_more_tasks_than_held_never_makes_the_count_negative()
    {
        var agent = NewGeneral();

        agent.ReleaseTask(Now);

        Assert.Equal(0, agent.ActiveTaskCount);
        Assert.Equal(AgentStatus.Available, agent.Status);
    }

    [Fact]
    public void Setting_busy_on_an_agent_under_capacity_leaves_it_available_because_busy_follows_the_load()
    {
        var agent = NewGeneral();

        agent.SetStatus(AgentStatus.Busy, Now);

        Assert.Equal(AgentStatus.Available, agent.Status);
    }

    [Fact]
    public void Reconciling_the_load_with_the_database_corrects_the_count_and_the_status()
    {
        var agent = NewGeneral(max: 2).AtCapacity();

        var changed = agent.ReconcileLoad(0, Now);
        var changedAgain = agent.ReconcileLoad(0, Now);

        Assert.True(changed);
        Assert.False(changedAgain);
        Assert.Equal(0, agent.ActiveTaskCount);
        Assert.Equal(AgentStatus.Available, agent.Status);
    }

    [Fact]
    public void Lowering_the_capacity_to_the_current_load_makes_the_agent_busy()
    {
        var agent = NewGeneral(max: 5).Holding(2);

        agent.MaxConcurrentTasks = 2;
        agent.CapacityChanged(Now);

        Assert.Equal(AgentStatus.Busy, agent.Status);
    }

    [Fact]
    public void Heartbeat_brings_an_offline_active_agent_back_to_available_and_records_when_and_from_where()
    {
        var agent = NewGeneral();
        agent.MarkOffline(Now);
        var at = Now.AddMinutes(1);

        agent.Heartbeat(at, "10.0.0.7");

        Assert.Equal(AgentStatus.Available, agent.Status);
        Assert.Equal(at, agent.LastHeartbeat);
        Assert.Equal("10.0.0.7", agent.LastSeenIp);
        Assert.True(agent.IsAvailableForAssignment);
    }

    [Fact]
    public void Heartbeat_of_an_offline_agent_still_at_capacity_brings_it_back_as_busy()
    {
        var agent = NewGeneral(max: 1).AtCapacity();
        agent.MarkOffline(Now);

        agent.Heartbeat(Now, null);

        Assert.Equal(AgentStatus.Busy, agent.Status);
    }

    [Fact]
    public void Heartbeat_does_not_revive_a_deactivated_agent()
    {
        var agent = NewGeneral();
        agent.Deactivate(Now);

        agent.Heartbeat(Now, "10.0.0.7");

        Assert.Equal(AgentStatus.Offline, agent.Status);
        Assert.False(agent.IsAvailableForAssignment);
        Assert.Equal(Now, agent.LastHeartbeat);
    }

    [Theory]
    [InlineData(AgentStatus.Maintenance)]
    [InlineData(AgentStatus.Error)]
    public void Heartbeat_leaves_an_agent_in_maintenance_or_error_where_an_operator_put_it(AgentStatus status)
    {
        var agent = NewGeneral();
        agent.SetStatus(status, Now);

        agent.Heartbeat(Now, null);

        Assert.Equal(status, agent.Status);
    }

    [Fact]
    public void Heartbeat_without_an_address_keeps_the_last_known_address()
    {
        var agent = NewGeneral();
        agent.Heartbeat(Now, "10.0.0.7");

        agent.Heartbeat(Now.AddMinutes(1), null);

        Assert.Equal("10.0.0.7", agent.LastSeenIp);
    }

    [Fact]
    public void Heartbeat_is_stale_only_after_the_timeout_has_passed()
    {
        var agent = NewGeneral();
        agent.Heartbeat(Now, null);
        var timeout = TimeSpan.FromMinutes(10);

        Assert.False(agent.IsHeartbeatStale(Now.AddMinutes(10), timeout));
        Assert.True(agent.IsHeartbeatStale(Now.AddMinutes(10).AddSeconds(1), timeout));
    }

    [Fact]
    public void Agent_that_never_sent_a_heartbeat_is_stale_counted_from_its_creation()
    {
        var agent = NewGeneral();

        Assert.False(agent.IsHeartbeatStale(Now.AddMinutes(9), TimeSpan.FromMinutes(10)));
        Assert.True(agent.IsHeartbeatStale(Now.AddMinutes(11), TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Offline_agent_is_never_reported_stale_again()
    {
        var agent = NewGeneral();
        agent.MarkOffline(Now);

        Assert.False(agent.IsHeartbeatStale(Now.AddDays(1), TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Deactivated_agent_is_offline_and_not_available_for_assignment()
    {
        var agent = NewGeneral();

        agent.Deactivate(Now);

        Assert.False(agent.IsActive);
        Assert.Equal(AgentStatus.Offline, agent.Status);
        Assert.False(agent.IsAvailableForAssignment);
    }

    [Fact]
    public void Reactivated_agent_is_active_and_available_again()
    {
        var agent = NewGeneral();
        agent.Deactivate(Now);

        agent.Activate(Now.AddMinutes(5));

        Assert.True(agent.IsActive);
        Assert.Equal(AgentStatus.Available, agent.Status);
        Assert.True(agent.IsAvailableForAssignment);
        Assert.Equal(Now.AddMinutes(5), agent.ModifiedOn);
    }

    [Fact]
    public void Reactivated_agent_that_still_holds_a_full_load_comes_back_busy()
    {
        var agent = NewGeneral(max: 1).AtCapacity();
        agent.Deactivate(Now);

        agent.Activate(Now);

        Assert.Equal(AgentStatus.Busy, agent.Status);
    }

    [Fact]
    public void Every_change_to_an_agent_raises_one_agent_changed_event_until_published()
    {
        var agent = NewGeneral();

        agent.TakeTask(Now);
        agent.RecordOutcome(true, null, Now);

        var changed = Assert.Single(agent.Events);
        Assert.Equal(new AgentChanged(agent.Id), changed);
        agent.ClearEvents();
        Assert.Empty(agent.Events);
    }
}
