namespace OpsConsole.Domain;

/// <summary>One step of what would happen to a task if every attempt failed.</summary>
public sealed record PlanStep(double AfterSeconds, string Action, string Priority, IReadOnlyList<string> AgentPool, string Note);

/// <summary>
/// The retry and escalation schedule of a task if every attempt failed at once, under the failure_handling and
/// task_escalation rules that match it: nominal backoff (the ±jitter left out), escalations with a fresh retry budget, and
/// how it ends. For the preview; the engine decides each step with <see cref="FailurePolicy"/> as it happens.
/// </summary>
public static class FailurePlan
{
    public const int MaxSteps = 60;

    public static IReadOnlyList<PlanStep> IfEveryAttemptFails(WorkItem item, FailureRules rules, EscalationRules escalation, IReadOnlyList<string> pool)
    {
        var steps = new List<PlanStep>();
        if (escalation.WaitingLimit is { } waiting)
        {
            steps.Add(new(waiting.TotalSeconds, "escalate", item.Priority.StepUp().Wire(), pool,
                $"if no agent has started it {FailurePolicy.Humanize(waiting)} after it was created (escalate_after_minutes)"));
        }

        var nominal = rules.Backoff with { Jitter = 0 };
        var random = new Random(0);
        var priority = item.Priority;
        var retries = item.RetryCount;
        var maxRetries = rules.MaxRetries ?? item.MaxRetries;
        var level = item.EscalationLevel;
        var at = 0.0;
        while (steps.Count < MaxSteps)
        {
            if (item.AutoRetry && retries < maxRetries)
            {
                retries++;
                var delay = FailurePolicy.Backoff(retries, nominal, random);
                at += delay.TotalSeconds;
                steps.Add(new(at, "retry", priority.Wire(), pool, $"retry {retries} of {maxRetries} {FailurePolicy.Humanize(delay)} after the failure (±{rules.Backoff.Jitter:P0}), avoiding the agent that failed"));
                continue;
            }

            if (rules.OnExhausted == ExhaustedAction.Cancel)
            {
                steps.Add(new(at, "cancel", priority.Wire(), [], "retries used up: cancelled (on_exhausted: cancel)"));
                break;
            }

            if (rules.OnExhausted == ExhaustedAction.NeedsAttention || !item.AutoEscalate || priority == WorkItemPriority.Emergency)
            {
                var why = rules.OnExhausted == ExhaustedAction.NeedsAttention ? "on_exhausted: needs_attention"
                    : !item.AutoEscalate ? "automatic escalation is off" : "already at emergency priority";
                steps.Add(new(at, "needs_attention", priority.Wire(), [], $"retries used up: the task stays failed and a person must decide ({why})"));
                break;
            }

            priority = priority.StepUp();
            level++;
            retries = 0;
            steps.Add(new(at, "escalate", priority.Wire(), pool, $"retries used up: escalated to level {level}, priority {priority.Wire()}, fresh retry budget"));
        }

        return steps;
    }
}
