namespace OpsConsole.Domain;

/// <summary>
/// The current run of a task: when it started, when its agent last reported, how often it stalled, its time cap, and what the
/// task has cost against its budget. The safety sweep takes back a run that stalls or overruns (<see cref="RunLimits"/>).
/// </summary>
public sealed partial class WorkItem
{
    public const int MaxRunMinutesLimit = 10_080;

    /// <summary>When the current run started (each attempt's own start, unlike <see cref="StartedAt"/>, which is the first).</summary>
    public DateTime? RunStartedAt { get; private set; }

    /// <summary>The last start, progress or other report from the agent that holds the task.</summary>
    public DateTime? LastReportAt { get; private set; }

    /// <summary>How many times a run of this task was taken back because its agent went quiet.</summary>
    public int Stalls { get; private set; }

    /// <summary>A run longer than this is revoked and counts as a failure; null: no cap.</summary>
    public int? MaxRunMinutes { get; set; }

    /// <summary>What every run of the task has cost so far (the sum of the usage its agents reported).</summary>
    public decimal CostUsd { get; private set; }

    /// <summary>When <see cref="CostUsd"/> goes over this, the run is revoked and people decide; null: no budget.</summary>
    public decimal? BudgetUsd { get; set; }

    public bool IsOverBudget => BudgetUsd is { } budget && CostUsd > budget;

    /// <summary>The holding agent reported something (start, progress, a transition): the run is not stalled.</summary>
    public void NoteReport(DateTime now) => LastReportAt = now;

    /// <summary>Adds the cost of one usage report; true when the task is now over its budget.</summary>
    public bool AddCost(decimal costUsd)
    {
        if (costUsd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(costUsd), costUsd, "a cost is never negative");
        }

        CostUsd += costUsd;
        return IsOverBudget;
    }

    /// <summary>How long the current run has gone without a report from its agent.</summary>
    public TimeSpan? QuietFor(DateTime now) => Status == WorkItemStatus.InProgress && (LastReportAt ?? RunStartedAt ?? StartedAt) is { } last
        ? now - last
        : null;

    /// <summary>The run's age when it is over its cap, else null.</summary>
    public TimeSpan? OverrunAt(DateTime now) =>
        Status == WorkItemStatus.InProgress && MaxRunMinutes is { } cap && (RunStartedAt ?? StartedAt) is { } started && now - started > TimeSpan.FromMinutes(cap)
            ? now - started
            : null;

    /// <summary>
    /// The agent's run stalled: the first time, the task goes back to the queue (avoiding that agent, no retry used) and
    /// true is returned; a second stall returns false and the caller fails the run through the failure policy.
    /// </summary>
    public bool Stall(DateTime now)
    {
        Stalls++;
        if (Stalls > 1)
        {
            return false;
        }

        TakeFromAgent("stalled", now);
        return true;
    }

    /// <summary>The agent that held the task is told it no longer does (a run stopped for a stall, its time cap or its budget).</summary>
    public void AnnounceRevoked(Guid agentId, string reason) => Raise(new WorkItemRevoked(Id, agentId, reason));

    private void BeginRun(DateTime now)
    {
        RunStartedAt = now;
        LastReportAt = now;
    }

    private void ForgetRun()
    {
        RunStartedAt = null;
        LastReportAt = null;
    }
}
