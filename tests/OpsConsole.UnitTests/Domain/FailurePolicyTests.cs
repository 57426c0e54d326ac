using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class FailurePolicyTests
{
    private static readonly BackoffSettings Minute = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3600));

    [Theory]
    [InlineData(1, 60)]
    [InlineData(2, 120)]
    [InlineData(3, 240)]
    [InlineData(4, 480)]
    [InlineData(6, 1920)]
    [InlineData(7, 3600)] // 3840 nominal, capped
    [InlineData(40, 3600)]
    public void Backoff_without_jitter_doubles_from_the_base_and_stops_at_the_cap(int attempt, double expectedSeconds)
    {
        var exact = Minute with { Jitter = 0 };

        Assert.Equal(expectedSeconds, FailurePolicy.Backoff(attempt, exact, new Random(1)).TotalSeconds, 6);
    }

    [Theory]
    [InlineData(1, 60)]
    [InlineData(2, 120)]
    [InlineData(3, 240)]
    [InlineData(5, 960)]
    public void Backoff_stays_within_twenty_percent_of_the_nominal_delay_for_every_seed(int attempt, double nominalSeconds)
    {
        var delays = Enumerable.Range(0, 500)
            .Select(seed => FailurePolicy.Backoff(attempt, Minute, new Random(seed)).TotalSeconds)
            .ToList();

        Assert.All(delays, d => Assert.InRange(d, nominalSeconds * 0.8, nominalSeconds * 1.2));
        // The jitter really spreads the delays over most of the ±20 % band, so retries of many tasks do not line up.
        Assert.True(delays.Min() < nominalSeconds * 0.85, $"smallest delay {delays.Min()} s");
        Assert.True(delays.Max() > nominalSeconds * 1.15, $"largest delay {delays.Max()} s");
    }

    [Fact]
    public void Backoff_with_jitter_never_exceeds_the_cap()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            for (var attempt = 1; attempt <= 12; attempt++)
            {
                var delay = FailurePolicy.Backoff(attempt, Minute, new Random(seed));
                Assert.InRange(delay.TotalSeconds, 48, 3600);
            }
        }
    }

    [Fact]
    public void Backoff_close_to_the_cap_is_jittered_below_it()
    {
        // Attempt 7 is nominally 3840 s, capped at 3600 s; the jitter only ever shortens it.
        var delays = Enumerable.Range(0, 300).Select(seed => FailurePolicy.Backoff(7, Minute, new Random(seed)).TotalSeconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 3600 * 0.8, 3600));
        Assert.Contains(delays, d => d < 3600);
    }

    [Fact]
    public void Backoff_is_the_same_for_the_same_seed()
    {
        var first = FailurePolicy.Backoff(3, Minute, new Random(42));
        var second = FailurePolicy.Backoff(3, Minute, new Random(42));

        Assert.Equal(first, second);
    }

    [Fact]
    public void First_failure_of_a_task_is_retried_after_about_a_minute()
    {
        var item = FailedAfterRetries(0);

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Retry, decision.Outcome);
        Assert.InRange(decision.Delay.TotalSeconds, 48, 72);
        Assert.StartsWith("retry 1 of 3 in ", decision.Reason);
    }

    [Fact]
    public void Third_failure_is_retried_after_about_four_minutes()
    {
        var item = FailedAfterRetries(2);

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Retry, decision.Outcome);
        Assert.InRange(decision.Delay.TotalSeconds, 192, 288);
        Assert.StartsWith("retry 3 of 3 in ", decision.Reason);
    }

    [Fact]
    public void Failure_after_the_last_retry_escalates_one_level_and_one_priority_step()
    {
        var item = FailedAfterRetries(3);

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Escalate, decision.Outcome);
        Assert.Equal(TimeSpan.Zero, decision.Delay);
        Assert.Equal("retries used up (3/3): escalating to level 1, priority high", decision.Reason);
    }

    [Fact]
    public void Task_with_more_retries_allowed_keeps_retrying_past_three()
    {
        var item = FailedAfterRetries(3);
        item.MaxRetries = 5;

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Retry, decision.Outcome);
        Assert.StartsWith("retry 4 of 5 in ", decision.Reason);
    }

    [Fact]
    public void Task_with_automatic_retry_off_escalates_at_its_first_failure()
    {
        var item = FailedAfterRetries(0);
        item.AutoRetry = false;

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Escalate, decision.Outcome);
        Assert.Contains("escalating to level 1, priority high", decision.Reason);
    }

    [Fact]
    public void Critical_task_escalates_to_emergency()
    {
        var item = FailedAfterRetries(3, WorkItemPriority.Critical);

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.Escalate, decision.Outcome);
        Assert.EndsWith("priority emergency", decision.Reason);
    }

    [Fact]
    public void Emergency_task_out_of_retries_is_given_up_and_left_to_a_person()
    {
        var item = FailedAfterRetries(3, WorkItemPriority.Emergency);

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.GiveUp, decision.Outcome);
        Assert.Equal("retries are used up at emergency priority: a person must decide", decision.Reason);
    }

    [Fact]
    public void Task_out_of_retries_with_automatic_escalation_off_is_given_up()
    {
        var item = FailedAfterRetries(3);
        item.AutoEscalate = false;

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.GiveUp, decision.Outcome);
        Assert.Equal("retries are used up and automatic escalation is off: a person must decide", decision.Reason);
    }

    [Fact]
    public void Task_with_automatic_retry_and_escalation_off_is_given_up_at_once()
    {
        var item = FailedAfterRetries(0);
        item.AutoRetry = false;
        item.AutoEscalate = false;

        var decision = FailurePolicy.Decide(item, Minute, new Random(7));

        Assert.Equal(FailureOutcome.GiveUp, decision.Outcome);
        Assert.Equal("automatic retry is off and automatic escalation is off: a person must decide", decision.Reason);
    }

    [Fact]
    public void Escalated_task_gets_a_fresh_retry_budget_before_escalating_again()
    {
        var item = FailedAfterRetries(3);
        Assert.Equal(FailureOutcome.Escalate, FailurePolicy.Decide(item, Minute, new Random(1)).Outcome);
        item.Escalate(Now);
        item.AssignTo(NewAgent("Other", AgentKind.General, 3, 1.0), Now);
        item.Fail("still failing", Now);

        var decision = FailurePolicy.Decide(item, Minute, new Random(1));

        Assert.Equal(FailureOutcome.Retry, decision.Outcome);
        Assert.StartsWith("retry 1 of 3", decision.Reason);
    }

    [Fact]
    public void A_long_run_of_failures_ends_with_a_person_instead_of_escalating_for_ever()
    {
        var agent = NewAgent("Flaky", AgentKind.General, 3, 1.0);
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Low);
        var outcomes = new List<FailureOutcome>();
        var random = new Random(3);

        for (var i = 0; i < 100; i++)
        {
            item.AssignTo(agent, Now);
            item.Fail("exit code 1", Now);
            var decision = FailurePolicy.Decide(item, Minute, random);
            outcomes.Add(decision.Outcome);
            if (decision.Outcome == FailureOutcome.GiveUp)
            {
                break;
            }

            if (decision.Outcome == FailureOutcome.Retry)
            {
                item.ScheduleRetry(decision.Delay, Now);
            }
            else
            {
                item.Escalate(Now);
            }
        }

        // low → medium → high → critical → emergency: four escalations, each after three retries, then a person decides.
        Assert.Equal(FailureOutcome.GiveUp, outcomes[^1]);
        Assert.Equal(4, outcomes.Count(o => o == FailureOutcome.Escalate));
        Assert.Equal(15, outcomes.Count(o => o == FailureOutcome.Retry));
        Assert.Equal(WorkItemPriority.Emergency, item.Priority);
        Assert.Equal(4, item.EscalationLevel);
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(89, "89s")]
    [InlineData(90, "2m")]
    [InlineData(3600, "60m")]
    [InlineData(5400, "1.5h")]
    public void Delays_are_written_in_words_a_person_reads_quickly(int seconds, string expected)
    {
        Assert.Equal(expected, FailurePolicy.Humanize(TimeSpan.FromSeconds(seconds)));
    }
}
