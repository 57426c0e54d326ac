using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

/// <summary>Rules that decide, as pure functions: first match per action, agent selection in the scorer, failure and escalation periods, the plan, safety.</summary>
public sealed class RuleBookTests
{
    private static readonly BackoffSettings Settings = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3600));

    private static OrchestrationRule Rule(string name, RuleKind kind, string conditions, string actions, int priority = 100) => new()
    {
        Name = name,
        Kind = kind,
        TriggerConditions = conditions,
        Actions = actions,
        Priority = priority,
    };

    [Fact]
    public void The_first_matching_rule_wins_per_action_and_later_rules_fill_in_what_it_leaves()
    {
        var book = new RuleBook(
        [
            Rule("late", RuleKind.FailureHandling, "{}", """{"max_retries": 9, "retry_base_seconds": 5}""", priority: 50),
            Rule("early", RuleKind.FailureHandling, """{"task_type": "deployment"}""", """{"max_retries": 1}""", priority: 10),
            Rule("other type", RuleKind.FailureHandling, """{"task_type": "bug_fix"}""", """{"max_retries": 7}""", priority: 1),
        ]);

        var rules = book.FailureFor(NewWorkItem(WorkItemKind.Deployment), Settings);

        Assert.Equal(1, rules.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(5), rules.Backoff.Base);
        Assert.Equal(TimeSpan.FromSeconds(3600), rules.Backoff.Max);
        Assert.Equal(["early", "late"], rules.Rules.Select(r => r.Name));
    }

    [Fact]
    public void An_inactive_or_unreadable_rule_decides_nothing()
    {
        var off = Rule("off", RuleKind.FailureHandling, "{}", """{"max_retries": 0}""");
        off.IsActive = false;
        var book = new RuleBook([off, Rule("broken", RuleKind.FailureHandling, "{", "{}")]);

        Assert.Null(book.FailureFor(NewWorkItem(WorkItemKind.Deployment), Settings).MaxRetries);
    }

    [Fact]
    public void Conditions_match_issue_labels_of_an_intake_task()
    {
        var item = NewWorkItem(WorkItemKind.BugFix);
        item.InputData = """{"labels": [{"name": "area:payments"}, "bug"]}""";

        Assert.True(RuleEvaluator.Matches("""{"labels": ["area:payments"]}""", item));
        Assert.True(RuleEvaluator.Matches("""{"labels": "BUG"}""", item));
        Assert.False(RuleEvaluator.Matches("""{"labels": "area:search"}""", item));
    }

    [Fact]
    public void A_preferred_agent_scores_its_bonus_and_wins()
    {
        var agents = SeededAgents();
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical);
        var selection = new RuleBook([Rule("prefer", RuleKind.AgentSelection, "{}", $$"""{"prefer_agents": ["{{General}}"], "prefer_bonus": 4}""")]).SelectionFor(item);

        var choice = AgentScorer.Choose(item, agents, selection);

        Assert.Equal(General, choice.Agent?.Name);
        Assert.Equal(4, choice.Candidates.Single(c => c.AgentName == General).Factors.RuleBonus);
        Assert.Equal(AgentScorer.Score(item, agents.Named(General)) * 4, choice.Score, 6);
        Assert.Contains("rule 'prefer' applied", choice.Reason);
    }

    [Fact]
    public void Only_agents_that_cannot_take_the_task_leave_it_waiting_with_the_rule_as_the_reason()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        var selection = new RuleBook([Rule("code only", RuleKind.AgentSelection, "{}", $$"""{"only_agents": ["{{Code}}"]}""")]).SelectionFor(item);

        var choice = AgentScorer.Choose(item, SeededAgents(), selection);

        Assert.False(choice.Found);
        Assert.Contains("Rule 'code only' applied: only CodeAgent-Emergency", choice.Reason);
        Assert.Equal((false, $"not among the only agents allowed ({Code}) (rule 'code only')"), AgentScorer.Eligibility(item, SeededAgents().Named(Primary), selection));
    }

    [Fact]
    public void Exhausted_retries_follow_on_exhausted()
    {
        var item = NewWorkItem(WorkItemKind.Deployment);
        item.MaxRetries = 0;

        Assert.Equal(FailureOutcome.Escalate, FailurePolicy.Decide(item, FailureRules.Defaults(Settings), new Random(1)).Outcome);
        Assert.Equal(FailureOutcome.Cancel, FailurePolicy.Decide(item, FailureRules.Defaults(Settings) with { OnExhausted = ExhaustedAction.Cancel }, new Random(1)).Outcome);
        Assert.Equal(FailureOutcome.GiveUp, FailurePolicy.Decide(item, FailureRules.Defaults(Settings) with { OnExhausted = ExhaustedAction.NeedsAttention }, new Random(1)).Outcome);
        Assert.Equal(FailureOutcome.Retry, FailurePolicy.Decide(item, FailureRules.Defaults(Settings) with { MaxRetries = 1 }, new Random(1)).Outcome);
    }

    [Fact]
    public void Waiting_work_escalates_after_the_rule_s_limit_once_per_period()
    {
        var item = NewWorkItem(WorkItemKind.Documentation);
        var rules = EscalationRules.Defaults(TimeSpan.FromHours(2)) with { WaitingLimit = TimeSpan.FromMinutes(15) };

        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(14), rules));
        Assert.Contains("waiting for 16m", EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(16), rules));
        item.MarkTimeEscalated(Now.AddMinutes(16));
        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(30), rules));
        Assert.NotNull(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(31), rules));
        Assert.Null(EscalationPolicy.TimeEscalationDue(item, Now.AddMinutes(31), EscalationRules.Defaults(TimeSpan.FromHours(2))));
    }

    [Fact]
    public void The_plan_retries_with_nominal_backoff_then_escalates_with_a_fresh_budget_up_to_people()
    {
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical);
        item.MaxRetries = 1;

        var plan = FailurePlan.IfEveryAttemptFails(item, FailureRules.Defaults(Settings), EscalationRules.Defaults(TimeSpan.FromHours(2)), ["A"]);

        Assert.Equal(
            [("retry", 60.0, "critical"), ("escalate", 60.0, "emergency"), ("retry", 120.0, "emergency"), ("needs_attention", 120.0, "emergency")],
            plan.Select(p => (p.Action, p.AfterSeconds, p.Priority)));
    }

    [Fact]
    public void A_selection_rule_that_leaves_no_active_agent_is_refused_with_the_reason()
    {
        var rule = Rule("nobody", RuleKind.AgentSelection, "{}", """{"only_agents": ["Ghost"]}""");

        var why = RuleSafety.RoutesToNobody(rule, SeededAgents());

        Assert.NotNull(why);
        Assert.Contains("every task this rule matches would wait forever", why);
        Assert.Null(RuleSafety.RoutesToNobody(Rule("fine", RuleKind.AgentSelection, "{}", $$"""{"only_agents": ["{{Primary}}"]}"""), SeededAgents()));
    }

    [Fact]
    public void A_secret_is_masked_for_reads_and_the_audit_trail()
    {
        Assert.Equal("""{"url":"https://x.test/h","secret":"********"}""", RuleSafety.MaskSecret("""{"url": "https://x.test/h", "secret": "s3cret-value"}"""));
        Assert.Equal("""{"url": "https://x.test/h"}""", RuleSafety.MaskSecret("""{"url": "https://x.test/h"}"""));
    }
}
