using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class WorkItemTests
{
    private readonly Agent agent = NewAgent("Worker", AgentKind.General, 3, 1.0);

    private WorkItem Pending() => NewWorkItem(WorkItemKind.Deployment);

    private WorkItem Assigned() => Pending().AssignedTo(agent);

    private WorkItem InProgress()
    {
        var item = Assigned();
        item.Start(Now);
        return item;
    }

    private WorkItem InReview()
    {
        var item = InProgress();
        item.SubmitForReview(Now);
        return item;
    }

    private WorkItem Blocked()
    {
        var item = InProgress();
        item.Block(Now);
        return item;
    }

    private WorkItem Failed()
    {
        var item = InProgress();
        item.Fail("exit code 1", Now);
        return item;
    }

    private WorkItem Completed()
    {
        var item = InProgress();
        item.Complete(null, Now);
        return item;
    }

    private WorkItem Cancelled()
    {
        var item = Pending();
        item.Cancel(Now);
        return item;
    }

    private WorkItem Escalated()
    {
        var item = Failed();
        item.Escalate(Now);
        return item;
    }

    private WorkItem InState(WorkItemStatus status) => status switch
    {
        WorkItemStatus.Pending => Pending(),
        WorkItemStatus.Assigned => Assigned(),
        WorkItemStatus.InProgress => InProgress(),
        WorkItemStatus.Blocked => Blocked(),
        WorkItemStatus.Review => InReview(),
        WorkItemStatus.Completed => Completed(),
        WorkItemStatus.Failed => Failed(),
        WorkItemStatus.Cancelled => Cancelled(),
        WorkItemStatus.Escalated => Escalated(),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    [Fact]
    public void The_state_builders_reach_every_status()
    {
        foreach (var status in Enum.GetValues<WorkItemStatus>())
        {
            Assert.Equal(status, InState(status).Status);
        }
    }

    [Fact]
    public void New_task_is_pending_medium_with_the_reference_defaults()
    {
        var item = new WorkItem();

        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Equal(WorkItemPriority.Medium, item.Priority);
        Assert.Equal(3, item.MaxRetries);
        Assert.Equal(TimeSpan.FromHours(1), item.EstimatedDuration);
        Assert.True(item.AutoAssign);
        Assert.True(item.AutoRetry);
        Assert.True(item.AutoEscalate);
        Assert.Equal(0, item.RetryCount);
        Assert.Equal(0, item.EscalationLevel);
        Assert.True(item.CanBeAssigned(Now));
    }

    // ---- legal transitions ----

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Escalated)]
    public void Waiting_task_can_be_assigned_and_then_holds_the_agent(WorkItemStatus from)
    {
        var item = InState(from);

        item.AssignTo(agent, Now);

        Assert.Equal(WorkItemStatus.Assigned, item.Status);
        Assert.Equal(agent.Id, item.AssignedAgentId);
        Assert.Same(agent, item.AssignedAgent);
        Assert.False(item.CanBeAssigned(Now));
        Assert.Contains(new WorkItemAssigned(item.Id, agent.Id), item.Events);
    }

    [Fact]
    public void Assigned_task_can_be_started_and_records_when()
    {
        var item = Assigned();

        item.Start(Now.AddMinutes(2));

        Assert.Equal(WorkItemStatus.InProgress, item.Status);
        Assert.Equal(Now.AddMinutes(2), item.StartedAt);
        Assert.Equal(TimeSpan.FromMinutes(3), item.DurationSoFar(Now.AddMinutes(5)));
    }

    [Fact]
    public void Starting_a_task_already_in_progress_changes_nothing()
    {
        var item = Assigned();
        item.Start(Now);

        item.Start(Now.AddMinutes(10));

        Assert.Equal(WorkItemStatus.InProgress, item.Status);
        Assert.Equal(Now, item.StartedAt);
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    public void Held_task_can_go_to_review_and_back_to_work(WorkItemStatus from)
    {
        var item = InState(from);

        item.SubmitForReview(Now);
        Assert.Equal(WorkItemStatus.Review, item.Status);

        item.ResumeFromReview(Now.AddMinutes(1));
        Assert.Equal(WorkItemStatus.InProgress, item.Status);
        Assert.NotNull(item.StartedAt);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Escalated)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Review)]
    public void Open_task_can_be_blocked_and_records_when(WorkItemStatus from)
    {
        var item = InState(from);

        item.Block(Now.AddMinutes(3));

        Assert.Equal(WorkItemStatus.Blocked, item.Status);
        Assert.Equal(Now.AddMinutes(3), item.BlockedAt);
    }

    [Fact]
    public void Unblocked_task_without_an_agent_goes_back_to_pending()
    {
        var item = Pending();
        item.Block(Now);

        item.Unblock(Now);

        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Null(item.BlockedAt);
        Assert.True(item.CanBeAssigned(Now));
    }

    [Fact]
    public void Unblocked_task_with_an_agent_that_had_not_started_goes_back_to_assigned()
    {
        var item = Assigned();
        item.Block(Now);

        item.Unblock(Now);

        Assert.Equal(WorkItemStatus.Assigned, item.Status);
        Assert.Equal(agent.Id, item.AssignedAgentId);
    }

    [Fact]
    public void Unblocked_task_that_had_started_goes_back_to_in_progress()
    {
        var item = Blocked();

        item.Unblock(Now);

        Assert.Equal(WorkItemStatus.InProgress, item.Status);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Escalated)]
    public void Task_that_is_not_finished_can_be_completed_with_its_output(WorkItemStatus from)
    {
        var item = InState(from);

        item.Complete("""{"url": "https://example.test"}""", Now.AddHours(1));

        Assert.Equal(WorkItemStatus.Completed, item.Status);
        Assert.Equal(Now.AddHours(1), item.CompletedAt);
        Assert.Equal("""{"url": "https://example.test"}""", item.OutputData);
    }

    [Fact]
    public void Completing_without_output_stores_an_empty_object()
    {
        var item = InProgress();

        item.Complete(null, Now);

        Assert.Equal("{}", item.OutputData);
    }

    [Fact]
    public void Completing_a_task_flagged_for_people_clears_the_flag_and_any_scheduled_retry()
    {
        var item = Failed();
        item.FlagForPeople("retries used up", Now);
        item.ScheduleRetry(TimeSpan.FromMinutes(5), Now);

        item.Complete(null, Now);

        Assert.False(item.NeedsAttention);
        Assert.Null(item.AttentionReason);
        Assert.Null(item.NextAttemptAt);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Escalated)]
    public void Task_that_is_not_finished_can_be_cancelled(WorkItemStatus from)
    {
        var item = InState(from);

        item.Cancel(Now);

        Assert.Equal(WorkItemStatus.Cancelled, item.Status);
        Assert.Null(item.NextAttemptAt);
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    public void Task_an_agent_holds_can_fail_and_remembers_the_agent_to_avoid(WorkItemStatus from)
    {
        var item = InState(from);

        item.Fail("exit code 137", Now.AddMinutes(4));

        Assert.Equal(WorkItemStatus.Failed, item.Status);
        Assert.Equal("exit code 137", item.ErrorDetails);
        Assert.Equal(Now.AddMinutes(4), item.LastFailedAt);
        Assert.Equal(agent.Id, item.AvoidAgentId);
        Assert.True(item.CanRetry);
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    public void Task_an_agent_gives_back_returns_to_the_queue_without_using_a_retry(WorkItemStatus from)
    {
        var item = InState(from);

        item.ReturnToQueue(Now);

        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Null(item.AssignedAgentId);
        Assert.Equal(agent.Id, item.AvoidAgentId);
        Assert.Equal(0, item.RetryCount);
        Assert.True(item.CanBeAssigned(Now));
    }

    [Fact]
    public void Scheduled_retry_waits_until_its_time_before_the_task_can_be_assigned()
    {
        var item = Failed();

        item.ScheduleRetry(TimeSpan.FromMinutes(2), Now);

        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Equal(1, item.RetryCount);
        Assert.Null(item.AssignedAgentId);
        Assert.Equal(Now.AddMinutes(2), item.NextAttemptAt);
        Assert.False(item.CanBeAssigned(Now));
        Assert.False(item.CanBeAssigned(Now.AddMinutes(2).AddTicks(-1)));
        Assert.True(item.CanBeAssigned(Now.AddMinutes(2)));
    }

    [Fact]
    public void Assigning_a_task_clears_its_retry_time()
    {
        var item = Failed();
        item.ScheduleRetry(TimeSpan.FromMinutes(2), Now);

        item.AssignTo(agent, Now.AddMinutes(2));

        Assert.Null(item.NextAttemptAt);
    }

    [Fact]
    public void Retry_asked_by_a_person_can_be_assigned_at_once_and_clears_the_attention_flag()
    {
        var item = Failed();
        item.FlagForPeople("a person must decide", Now);

        item.RetryNow(Now);

        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Equal(1, item.RetryCount);
        Assert.Null(item.NextAttemptAt);
        Assert.False(item.NeedsAttention);
        Assert.True(item.CanBeAssigned(Now));
    }

    // ---- escalation ----

    [Fact]
    public void Escalating_a_failed_task_raises_priority_and_level_resets_retries_and_queues_it_as_escalated()
    {
        var item = FailedAfterRetries(2);
        Assert.Equal(2, item.RetryCount);

        item.Escalate(Now.AddMinutes(1));

        Assert.Equal(WorkItemStatus.Escalated, item.Status);
        Assert.Equal(WorkItemPriority.High, item.Priority);
        Assert.Equal(1, item.EscalationLevel);
        Assert.Equal(0, item.RetryCount);
        Assert.Null(item.AssignedAgentId);
        Assert.Null(item.NextAttemptAt);
        Assert.Equal(Now.AddMinutes(1), item.LastEscalatedAt);
        Assert.True(item.CanBeAssigned(Now.AddMinutes(1)));
    }

    [Fact]
    public void Escalating_a_task_that_is_not_failed_keeps_its_status_agent_and_retry_count()
    {
        var item = Failed();
        item.ScheduleRetry(TimeSpan.Zero, Now);
        item.AssignTo(agent, Now);

        item.Escalate(Now);

        Assert.Equal(WorkItemStatus.Assigned, item.Status);
        Assert.Equal(agent.Id, item.AssignedAgentId);
        Assert.Equal(1, item.RetryCount);
        Assert.Equal(WorkItemPriority.High, item.Priority);
        Assert.Equal(1, item.EscalationLevel);
    }

    [Fact]
    public void Escalation_raises_priority_one_step_at_a_time_up_to_emergency_and_never_beyond()
    {
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Low);
        var seen = new List<WorkItemPriority>();

        for (var i = 0; i < 6; i++)
        {
            item.Escalate(Now);
            seen.Add(item.Priority);
        }

        Assert.Equal(
            [WorkItemPriority.Medium, WorkItemPriority.High, WorkItemPriority.Critical, WorkItemPriority.Emergency, WorkItemPriority.Emergency, WorkItemPriority.Emergency],
            seen);
        Assert.Equal(6, item.EscalationLevel);
        Assert.False(item.CanEscalate);
    }

    // ---- refused transitions ----

    [Theory]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Finished_task_cannot_be_completed_again(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Complete(null, Now));

        Assert.Equal($"the task is already {from.Wire()}", refused.Message);
        Assert.Equal(from, item.Status);
    }

    [Theory]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Finished_task_cannot_be_cancelled(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Cancel(Now));

        Assert.Equal($"the task is already {from.Wire()}", refused.Message);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Escalated)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Only_an_assigned_task_can_be_started(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Start(Now));

        Assert.Equal($"only an assigned task can be started; this one is {from.Wire()}", refused.Message);
        Assert.Equal(from, item.Status);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Escalated)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Task_no_agent_holds_cannot_fail(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Fail("boom", Now));

        Assert.Equal($"only a task an agent holds (assigned, in progress, blocked or in review) can fail; this one is {from.Wire()}", refused.Message);
        Assert.Equal(from, item.Status);
    }

    [Fact]
    public void Pending_task_cannot_fail()
    {
        var item = Pending();

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Fail("boom", Now));

        Assert.EndsWith("this one is pending", refused.Message);
        Assert.Null(item.ErrorDetails);
    }

    [Theory]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Finished_task_cannot_be_escalated(WorkItemStatus from)
    {
        var item = InState(from);
        var priority = item.Priority;

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Escalate(Now));

        Assert.Equal($"a {from.Wire()} task cannot be escalated", refused.Message);
        Assert.Equal(priority, item.Priority);
        Assert.Equal(0, item.EscalationLevel);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Failed)]
    public void Task_that_is_not_blocked_cannot_be_unblocked(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Unblock(Now));

        Assert.Equal($"only a blocked task can be unblocked; this one is {from.Wire()}", refused.Message);
    }

    [Theory]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Blocked_failed_or_finished_task_cannot_be_blocked(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.Block(Now));

        Assert.Equal($"a {from.Wire()} task cannot be blocked", refused.Message);
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Only_a_pending_or_escalated_task_can_be_assigned(WorkItemStatus from)
    {
        var item = InState(from);
        var other = NewAgent("Other", AgentKind.General, 3, 1.0);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.AssignTo(other, Now));

        Assert.Equal($"only a pending or escalated task can be assigned; this one is {from.Wire()}", refused.Message);
        Assert.NotEqual(other.Id, item.AssignedAgentId);
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    public void Taking_a_held_task_from_its_agent_queues_it_and_tells_that_agent(WorkItemStatus from)
    {
        var item = InState(from);
        item.ClearEvents();

        var holder = item.TakeFromAgent("reassigned", Now);

        Assert.Equal(agent.Id, holder);
        Assert.Equal(WorkItemStatus.Pending, item.Status);
        Assert.Null(item.AssignedAgentId);
        Assert.Contains(new WorkItemRevoked(item.Id, agent.Id, "reassigned"), item.Events);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Blocked)]
    [InlineData(WorkItemStatus.Completed)]
    public void Only_an_assigned_or_in_progress_task_can_be_taken_from_its_agent(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.TakeFromAgent("reassigned", Now));

        Assert.Equal($"only an assigned or in-progress task can be taken from its agent; this one is {from.Wire()}", refused.Message);
        Assert.Equal(from, item.Status);
    }

    [Fact]
    public void Task_waiting_for_an_unfinished_dependency_cannot_be_assigned()
    {
        var dependency = Pending();
        var item = Pending();
        item.DependsOn.Add(dependency);

        Assert.True(item.HasUnmetDependencies);
        Assert.False(item.CanBeAssigned(Now));
        var refused = Assert.Throws<TransitionRefusedException>(() => item.AssignTo(agent, Now));
        Assert.Equal("the task waits for tasks it depends on to complete", refused.Message);
    }

    [Fact]
    public void Task_becomes_assignable_once_every_dependency_is_completed()
    {
        var first = InProgress();
        var second = InProgress();
        var item = Pending();
        item.DependsOn.AddRange([first, second]);

        first.Complete(null, Now);
        Assert.False(item.CanBeAssigned(Now));

        second.Complete(null, Now);
        Assert.True(item.CanBeAssigned(Now));
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Only_a_failed_task_can_be_retried(WorkItemStatus from)
    {
        var item = InState(from);

        var scheduled = Assert.Throws<TransitionRefusedException>(() => item.ScheduleRetry(TimeSpan.FromMinutes(1), Now));
        var now = Assert.Throws<TransitionRefusedException>(() => item.RetryNow(Now));

        Assert.Equal($"only a failed task can be retried; this one is {from.Wire()}", scheduled.Message);
        Assert.Equal(scheduled.Message, now.Message);
        Assert.Equal(0, item.RetryCount);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Escalated)]
    [InlineData(WorkItemStatus.Failed)]
    [InlineData(WorkItemStatus.Completed)]
    public void Only_a_task_an_agent_holds_can_be_given_back(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.ReturnToQueue(Now));

        Assert.Equal($"only a task an agent holds can be given back; this one is {from.Wire()}", refused.Message);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Review)]
    [InlineData(WorkItemStatus.Completed)]
    public void Only_a_task_in_progress_can_go_to_review(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.SubmitForReview(Now));

        Assert.Equal($"only a task in progress can go to review; this one is {from.Wire()}", refused.Message);
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.InProgress)]
    [InlineData(WorkItemStatus.Completed)]
    public void Only_a_task_in_review_can_go_back_to_work(WorkItemStatus from)
    {
        var item = InState(from);

        var refused = Assert.Throws<TransitionRefusedException>(() => item.ResumeFromReview(Now));

        Assert.Equal($"only a task in review can go back to work; this one is {from.Wire()}", refused.Message);
    }

    // ---- priority score and overdue ----

    [Theory]
    [InlineData(WorkItemPriority.Low, 1.0)]
    [InlineData(WorkItemPriority.Medium, 2.0)]
    [InlineData(WorkItemPriority.High, 3.0)]
    [InlineData(WorkItemPriority.Critical, 4.0)]
    [InlineData(WorkItemPriority.Emergency, 5.0)]
    public void Priority_score_without_a_due_date_is_the_priority_rank(WorkItemPriority priority, double expected)
    {
        Assert.Equal(expected, NewWorkItem(WorkItemKind.Testing, priority).PriorityScore(Now));
    }

    [Theory]
    [InlineData(-1, 4.0)] // overdue: +2
    [InlineData(30, 3.0)] // due within the hour: +1
    [InlineData(60, 3.0)] // due in exactly one hour: +1
    [InlineData(61, 2.0)] // due later: nothing
    public void Priority_score_adds_two_when_overdue_and_one_when_due_within_the_hour(int dueInMinutes, double expected)
    {
        var item = Pending();
        item.DueDate = Now.AddMinutes(dueInMinutes);

        Assert.Equal(expected, item.PriorityScore(Now));
    }

    [Fact]
    public void Priority_score_adds_one_half_per_escalation_level()
    {
        var item = NewWorkItem(WorkItemKind.Testing, WorkItemPriority.Low);
        item.Escalate(Now); // medium, level 1
        item.Escalate(Now); // high, level 2
        item.DueDate = Now.AddMinutes(-5);

        Assert.Equal(3 + 2 + (0.5 * 2), item.PriorityScore(Now));
    }

    [Fact]
    public void Finished_task_gets_no_urgency_bonus()
    {
        var item = Completed();
        item.DueDate = Now.AddMinutes(-5);

        Assert.Equal(2.0, item.PriorityScore(Now));
    }

    [Fact]
    public void Task_past_its_due_date_is_overdue()
    {
        var item = Pending();
        item.DueDate = Now;

        Assert.False(item.IsOverdue(Now));
        Assert.True(item.IsOverdue(Now.AddSeconds(1)));
    }

    [Fact]
    public void Task_without_a_due_date_is_never_overdue()
    {
        Assert.False(Pending().IsOverdue(Now.AddYears(1)));
    }

    [Theory]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    public void Finished_task_is_never_overdue(WorkItemStatus status)
    {
        var item = InState(status);
        item.DueDate = Now.AddHours(-3);

        Assert.False(item.IsOverdue(Now));
    }

    [Theory]
    [InlineData(WorkItemStatus.Assigned, true, false, false)]
    [InlineData(WorkItemStatus.InProgress, true, false, false)]
    [InlineData(WorkItemStatus.Pending, false, false, true)]
    [InlineData(WorkItemStatus.Escalated, false, false, true)]
    [InlineData(WorkItemStatus.Completed, false, true, false)]
    [InlineData(WorkItemStatus.Cancelled, false, true, false)]
    [InlineData(WorkItemStatus.Failed, false, false, false)]
    [InlineData(WorkItemStatus.Blocked, false, false, false)]
    [InlineData(WorkItemStatus.Review, false, false, false)]
    public void Statuses_are_grouped_into_held_finished_and_waiting(WorkItemStatus status, bool active, bool terminal, bool waiting)
    {
        Assert.Equal(active, status.IsActive());
        Assert.Equal(terminal, status.IsTerminal());
        Assert.Equal(waiting, status.IsWaiting());
    }
}
