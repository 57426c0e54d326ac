using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class EscalationPolicyTests
{
    private static readonly TimeSpan BlockedLimit = TimeSpan.FromHours(2);

    private static WorkItem DueAt(DateTime due)
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.DueDate = due;
        return item;
    }

    [Fact]
    public void Task_not_yet_due_does_not_escalate()
    {
        var item = DueAt(Now);

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now, BlockedLimit));
    }

    [Fact]
    public void Overdue_task_escalates_and_the_reason_says_by_how_much()
    {
        var item = DueAt(Now);

        var reason = EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(10), BlockedLimit);

        Assert.Equal("overdue by 10m (due 2026-01-31 12:00:00Z)", reason);
    }

    [Fact]
    public void Overdue_task_escalates_once_and_not_again_within_an_hour()
    {
        var item = DueAt(Now);
        var first = Now.AddMinutes(1);
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, first, BlockedLimit));

        item.MarkTimeEscalated(first);

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, first.AddMinutes(1), BlockedLimit));
        Assert.Null(EscalationPolicy.TimeEscalationDue(item, first.AddMinutes(59), BlockedLimit));
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, first.AddHours(1), BlockedLimit));
    }

    [Fact]
    public void Overdue_task_with_a_long_estimate_escalates_again_only_after_its_estimated_duration()
    {
        var item = DueAt(Now);
        item.EstimatedDuration = TimeSpan.FromHours(3);
        var first = Now.AddMinutes(1);
        item.MarkTimeEscalated(first);

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, first.AddHours(2), BlockedLimit));
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, first.AddHours(3), BlockedLimit));
    }

    [Fact]
    public void Overdue_task_with_a_short_estimate_still_waits_at_least_an_hour_between_escalations()
    {
        var item = DueAt(Now);
        item.EstimatedDuration = TimeSpan.FromMinutes(5);
        item.MarkTimeEscalated(Now.AddMinutes(1));

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(30), BlockedLimit));
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(61), BlockedLimit));
    }

    [Fact]
    public void Task_whose_due_date_moved_past_its_last_escalation_escalates_as_soon_as_it_is_overdue_again()
    {
        var item = DueAt(Now);
        item.MarkTimeEscalated(Now.AddMinutes(1));
        item.DueDate = Now.AddMinutes(10);

        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(11), BlockedLimit));
    }

    [Fact]
    public void Task_blocked_longer_than_the_limit_escalates_and_the_reason_says_for_how_long()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.Block(Now);

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(119), BlockedLimit));
        Assert.Equal("blocked for 2.0h (limit 2.0h)", EscalationPolicy.TimeEscalationDue(item, Now.AddHours(2), BlockedLimit));
    }

    [Fact]
    public void Blocked_task_escalates_again_only_after_another_full_limit()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.Block(Now);
        item.MarkTimeEscalated(Now.AddHours(2));

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddHours(3), BlockedLimit));
        Assert.Equal("blocked for 4.0h (limit 2.0h)", EscalationPolicy.TimeEscalationDue(item, Now.AddHours(4), BlockedLimit));
    }

    [Fact]
    public void Blocking_again_restarts_the_blocked_clock()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.Block(Now);
        item.MarkTimeEscalated(Now.AddHours(2));
        item.Unblock(Now.AddHours(3));
        item.Block(Now.AddHours(5));

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddHours(6), BlockedLimit));
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, Now.AddHours(7), BlockedLimit));
    }

    [Theory]
    [InlineData(WorkItemStatus.Completed)]
    [InlineData(WorkItemStatus.Cancelled)]
    [InlineData(WorkItemStatus.Failed)]
    public void Finished_or_failed_task_never_escalates_by_time(WorkItemStatus status)
    {
        var agent = NewAgent("Worker", AgentKind.General, 3, 1.0);
        var item = DueAt(Now).AssignedTo(agent);
        switch (status)
        {
            case WorkItemStatus.Completed:
                item.Complete(null, Now);
                break;
            case WorkItemStatus.Cancelled:
                item.Cancel(Now);
                break;
            default:
                item.Fail("exit code 1", Now);
                break;
        }

        Assert.Equal(status, item.Status);
        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddDays(2), BlockedLimit));
    }

    [Fact]
    public void Task_with_automatic_escalation_off_never_escalates_by_time()
    {
        var overdue = DueAt(Now);
        overdue.AutoEscalate = false;
        var blocked = NewWorkItem(WorkItemKind.Deployment);
        blocked.AutoEscalate = false;
        blocked.Block(Now);

        Assert.Null(EscalationPolicy.TimeEscalationDue(overdue, Now.AddDays(2), BlockedLimit));
        Assert.Null(EscalationPolicy.TimeEscalationDue(blocked, Now.AddDays(2), BlockedLimit));
    }

    [Theory]
    [InlineData(WorkItemStatus.Pending)]
    [InlineData(WorkItemStatus.Assigned)]
    [InlineData(WorkItemStatus.InProgress)]
    public void Overdue_task_escalates_whether_it_waits_or_an_agent_holds_it(WorkItemStatus status)
    {
        var agent = NewAgent("Worker", AgentKind.General, 3, 1.0);
        var item = DueAt(Now);
        if (status != WorkItemStatus.Pending)
        {
            item.AssignTo(agent, Now);
        }

        if (status == WorkItemStatus.InProgress)
        {
            item.Start(Now);
        }

        Assert.Equal(status, item.Status);
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(5), BlockedLimit));
    }
}
