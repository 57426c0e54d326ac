using OpsConsole.Components;
using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Components;

public sealed class UiNextStepTests
{
    private static readonly BackoffSettings Backoff = BackoffSettings.Default;

    private static Agent Worker() => NewAgent("Worker", AgentKind.General, 3, 1.0, WorkItemKind.Deployment);

    [Fact]
    public void Completed_task_has_nothing_left_to_do()
    {
        var item = NewWorkItem(WorkItemKind.Deployment).AssignedTo(Worker());
        item.Complete(null, Now);

        Assert.Equal("Nothing: the task is completed.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Flagged_task_waits_for_a_person_and_says_why()
    {
        var item = FailedAfterRetries(0);
        item.FlagForPeople("retries are used up and automatic escalation is off", Now);

        Assert.Equal("Waiting for a person: retries are used up and automatic escalation is off", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Scheduled_retry_counts_down_and_avoids_the_agent_that_failed()
    {
        var item = FailedAfterRetries(0);
        item.ScheduleRetry(TimeSpan.FromSeconds(90), Now);

        Assert.Equal("Retry 1 of 3 goes to an agent in 1m 30s (12:01:30 UTC), avoiding the agent that failed it.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Waiting_task_goes_to_the_best_agent_when_one_has_room()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);

        Assert.Equal("Goes to the best agent as soon as one with a matching capability has room.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Waiting_task_without_auto_assign_waits_for_a_person()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.AutoAssign = false;

        Assert.Equal("Waits for a person to assign it (auto-assign is off).", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Blocked_task_says_how_to_resume()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.Block(Now);

        Assert.Equal("Blocked: escalates if it stays blocked past the limit; unblock it to resume.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Task_in_work_with_retries_left_would_be_retried_after_the_backoff()
    {
        var item = NewWorkItem(WorkItemKind.Deployment).AssignedTo(Worker());

        Assert.Equal("In work. If it fails: retry 1 of 3 after about 1m 0s on another agent.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Task_in_work_without_retries_left_would_escalate_one_priority_step()
    {
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.High).AssignedTo(Worker());
        item.MaxRetries = 0;

        Assert.Equal("In work. If it fails: escalate to level 1 (critical) with a fresh retry budget.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Emergency_in_work_without_retries_would_stay_failed()
    {
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Emergency).AssignedTo(Worker());
        item.MaxRetries = 0;

        Assert.Equal("In work. If it fails: stay failed and wait for a person.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Deadline_is_told_as_due_in_or_overdue_by()
    {
        var due = NewWorkItem(WorkItemKind.Deployment).AssignedTo(Worker());
        due.DueDate = Now.AddMinutes(45);
        var overdue = NewWorkItem(WorkItemKind.Deployment).AssignedTo(Worker());
        overdue.DueDate = Now.AddHours(-2);

        Assert.EndsWith(" Due in 45m 0s.", Ui.NextStep(due, Backoff, Now));
        Assert.EndsWith(" It is overdue by 2h 0m.", Ui.NextStep(overdue, Backoff, Now));
    }

    [Fact]
    public void Failed_task_is_never_described_as_in_work()
    {
        var item = FailedAfterRetries(0);

        Assert.Equal("Failed: waits for a person to retry, escalate or cancel it.", Ui.NextStep(item, Backoff, Now));
    }

    [Fact]
    public void Task_in_review_waits_for_the_review()
    {
        var item = NewWorkItem(WorkItemKind.Deployment).AssignedTo(Worker());
        item.SubmitForReview(Now);

        Assert.Equal("In review: completes when a person approves it, or goes back to work.", Ui.NextStep(item, Backoff, Now));
    }
}
