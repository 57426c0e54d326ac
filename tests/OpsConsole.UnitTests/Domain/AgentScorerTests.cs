using OpsConsole.Data;
using OpsConsole.Domain;
using static OpsConsole.UnitTests.TestSupport.Fixtures;

namespace OpsConsole.UnitTests.Domain;

public sealed class AgentScorerTests
{
    // ---- the reference's worked examples (§2) ----

    [Fact]
    public void Critical_deployment_task_goes_to_primary_deployment_agent_with_score_21_60()
    {
        var agents = SeededAgents();

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.True(choice.Found);
        Assert.Equal(Primary, choice.Agent!.Name);
        Assert.Equal(21.60, choice.Score, 2);
        Assert.Contains("DeploymentAgent-Primary scored 21.60", choice.Reason);
    }

    [Fact]
    public void Critical_deployment_scores_monitoring_13_50_general_10_80_and_github_and_code_agents_not_at_all()
    {
        var agents = SeededAgents();
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical);

        Assert.Equal(13.50, AgentScorer.Score(item, agents.Named(Monitoring)), 2);
        Assert.Equal(10.80, AgentScorer.Score(item, agents.Named(General)), 2);
        Assert.Equal(0, AgentScorer.Score(item, agents.Named(GitHub)));
        Assert.Equal(0, AgentScorer.Score(item, agents.Named(Code)));
        Assert.False(AgentScorer.IsCompatible(WorkItemKind.Deployment, agents.Named(GitHub)));
        Assert.False(AgentScorer.IsCompatible(WorkItemKind.Deployment, agents.Named(Code)));

        var choice = AgentScorer.Choose(item, agents);
        Assert.Equal([Primary, Monitoring, General], choice.Candidates.Select(c => c.AgentName));
        Assert.Equal([21.60, 13.50, 10.80], choice.Candidates.Select(c => Math.Round(c.Score, 2)));
    }

    [Fact]
    public void Primary_deployment_agent_already_holding_one_task_scores_19_44_for_the_next_critical_deployment()
    {
        var agents = SeededAgents();
        agents.Named(Primary).Holding(1);

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.Equal(Primary, choice.Agent!.Name);
        Assert.Equal(19.44, choice.Score, 2);
        Assert.Contains("load 1/5", choice.Reason);
    }

    [Fact]
    public void Emergency_deployment_goes_to_primary_deployment_agent_with_score_28_80()
    {
        var agents = SeededAgents();
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Emergency);

        var choice = AgentScorer.Choose(item, agents);

        Assert.Equal(Primary, choice.Agent!.Name);
        Assert.Equal(28.80, choice.Score, 2);
        // The emergency boost needs a weight of 5 or more: monitoring (5.0) gets it, general (4.0) does not.
        Assert.Equal(18.00, AgentScorer.Score(item, agents.Named(Monitoring)), 2);
        Assert.Equal(7.20, AgentScorer.Score(item, agents.Named(General)), 2);
    }

    [Fact]
    public void Documentation_task_goes_to_general_backup_agent_with_score_4_80()
    {
        var agents = SeededAgents();

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Documentation), agents);

        Assert.Equal(General, choice.Agent!.Name);
        Assert.Equal(4.80, choice.Score, 2);
        var only = Assert.Single(choice.Candidates);
        Assert.Equal(General, only.AgentName);
    }

    [Fact]
    public void Critical_boost_needs_a_weight_of_at_least_three()
    {
        var item = NewWorkItem(WorkItemKind.Documentation, WorkItemPriority.Critical);
        var light = NewAgent("Light", AgentKind.General, 3, 2.9);
        var heavy = NewAgent("Heavy", AgentKind.General, 3, 3.0);

        Assert.Equal(1.0, AgentScorer.Factors(item.Kind, item.Priority, light).PriorityBoost);
        Assert.Equal(1.5, AgentScorer.Factors(item.Kind, item.Priority, heavy).PriorityBoost);
    }

    [Fact]
    public void Compatible_agent_types_are_eligible_without_the_capability_and_get_no_capability_bonus()
    {
        // A code agent is the native type for bug fixes, a testing agent for tests, even with no capabilities listed.
        var coder = NewAgent("Coder", AgentKind.Code, 3, 2.0);
        var tester = NewAgent("Tester", AgentKind.Testing, 3, 2.0);

        var bugFix = AgentScorer.Choose(NewWorkItem(WorkItemKind.BugFix), [coder]);
        var testing = AgentScorer.Choose(NewWorkItem(WorkItemKind.Testing), [tester]);

        Assert.Equal("Coder", bugFix.Agent?.Name);
        Assert.Equal(2.40, bugFix.Score, 2);
        Assert.Equal(1.0, bugFix.Candidates[0].Factors.Capability);
        Assert.Equal("Tester", testing.Agent?.Name);
        Assert.False(AgentScorer.Choose(NewWorkItem(WorkItemKind.BugFix), [tester]).Found);
    }

    // ---- ties ----

    [Fact]
    public void Equal_scores_are_broken_by_the_higher_priority_weight()
    {
        // 2.0 × 1.5 (capability) × 1.2 = 3.0 × 1.2 (no capability): the same score, different weights.
        var lighter = NewAgent("Aardvark", AgentKind.General, 3, 2.0, WorkItemKind.Documentation);
        var heavier = NewAgent("Zebra", AgentKind.General, 3, 3.0);
        var item = NewWorkItem(WorkItemKind.Documentation);
        Assert.Equal(AgentScorer.Score(item, lighter), AgentScorer.Score(item, heavier));

        var choice = AgentScorer.Choose(item, [lighter, heavier]);

        Assert.Equal("Zebra", choice.Agent!.Name);
        Assert.Equal(["Zebra", "Aardvark"], choice.Candidates.Select(c => c.AgentName));
    }

    [Fact]
    public void Equal_scores_and_weights_are_broken_by_name()
    {
        var item = NewWorkItem(WorkItemKind.Documentation);

        var choice = AgentScorer.Choose(item, [NewAgent("General-B", AgentKind.General, 3, 2.0), NewAgent("General-A", AgentKind.General, 3, 2.0)]);

        Assert.Equal("General-A", choice.Agent!.Name);
        Assert.Equal(["General-A", "General-B"], choice.Candidates.Select(c => c.AgentName));
    }

    // ---- who may be chosen ----

    [Theory]
    [InlineData(AgentStatus.Offline)]
    [InlineData(AgentStatus.Maintenance)]
    [InlineData(AgentStatus.Error)]
    public void Agent_that_is_offline_in_maintenance_or_in_error_is_never_chosen(AgentStatus status)
    {
        var agents = SeededAgents();
        agents.Named(Primary).SetStatus(status, Now);

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.Equal(Monitoring, choice.Agent!.Name);
        Assert.DoesNotContain(choice.Candidates, c => c.AgentName == Primary);
    }

    [Fact]
    public void Deactivated_agent_is_never_chosen_even_when_its_status_says_available()
    {
        var agents = SeededAgents();
        var primary = agents.Named(Primary);
        primary.Deactivate(Now);
        primary.SetStatus(AgentStatus.Available, Now);
        Assert.False(primary.IsActive);

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.Equal(Monitoring, choice.Agent!.Name);
        Assert.DoesNotContain(choice.Candidates, c => c.AgentName == Primary);
    }

    [Fact]
    public void Busy_agent_at_capacity_is_not_chosen_but_is_listed_among_candidates_as_at_capacity()
    {
        var agents = SeededAgents();
        agents.Named(Primary).AtCapacity();
        Assert.Equal(AgentStatus.Busy, agents.Named(Primary).Status);

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.Equal(Monitoring, choice.Agent!.Name);
        var primary = Assert.Single(choice.Candidates, c => c.AgentName == Primary);
        Assert.Equal("at capacity (5/5)", primary.Note);
        // 8 × 1.5 × 1.5 × (1 − 0.5 × 5/5) × 1.0 (busy, not available): busy agents are scored but never picked.
        Assert.Equal(9.00, primary.Score, 2);
    }

    [Fact]
    public void When_the_best_agent_is_at_capacity_the_next_one_is_chosen_and_the_reason_names_the_leader_and_why()
    {
        var leader = NewAgent("Heavyweight", AgentKind.General, 1, 10.0).AtCapacity();
        var spare = NewAgent("Spare", AgentKind.General, 3, 2.0);

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Documentation), [leader, spare]);

        Assert.Equal("Spare", choice.Agent!.Name);
        Assert.Contains("Heavyweight scored higher (5.00) but is at capacity (1/1)", choice.Reason);
        Assert.Equal(["Heavyweight", "Spare"], choice.Candidates.Select(c => c.AgentName));
        Assert.Equal("chosen", choice.Candidates[1].Note);
    }

    [Fact]
    public void Agent_that_failed_the_task_is_avoided_when_another_agent_fits()
    {
        var agents = SeededAgents();
        var primary = agents.Named(Primary);
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical).AssignedTo(primary);
        item.Fail("exit code 1", Now);
        item.ScheduleRetry(TimeSpan.Zero, Now);
        Assert.Equal(primary.Id, item.AvoidAgentId);

        var choice = AgentScorer.Choose(item, agents);

        Assert.Equal(Monitoring, choice.Agent!.Name);
        Assert.Contains("DeploymentAgent-Primary scored higher (21.60) but is failed or dropped this task last time", choice.Reason);
        Assert.Equal("failed or dropped this task last time", choice.Candidates.Single(c => c.AgentName == Primary).Note);
    }

    [Fact]
    public void Agent_that_failed_the_task_is_chosen_again_when_it_is_the_only_one_that_fits()
    {
        var agents = SeededAgents().Where(a => a.Name is Primary or GitHub or Code).ToList();
        var primary = agents.Named(Primary);
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical).AssignedTo(primary);
        item.Fail("exit code 1", Now);
        item.ScheduleRetry(TimeSpan.Zero, Now);

        var choice = AgentScorer.Choose(item, agents);

        Assert.Equal(Primary, choice.Agent!.Name);
        Assert.Contains("it failed this task last time, but no other agent fits", choice.Reason);
    }

    // ---- environment pools ----

    [Fact]
    public void Agent_of_the_tasks_environment_is_preferred_over_a_higher_scoring_agent_without_environments()
    {
        var agents = SeededAgents();
        agents.Named(Monitoring).Environments = ["production"];

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical, "Production"), agents);

        Assert.Equal(Monitoring, choice.Agent!.Name);
        Assert.Contains("DeploymentAgent-Primary scored higher (21.60) but is not in the Production pool", choice.Reason);
        Assert.DoesNotContain("agent without environments was taken", choice.Reason);
    }

    [Fact]
    public void Agent_without_environments_is_the_fallback_when_no_agent_of_the_environment_is_free_and_the_reason_says_so()
    {
        var agents = SeededAgents();
        agents.Named(Monitoring).Environments = ["production"];
        agents.Named(Monitoring).AtCapacity();
        agents.Named(Primary).Environments = ["staging"];

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical, "production"), agents);

        Assert.Equal(General, choice.Agent!.Name);
        Assert.Contains("no agent of the production environment was free, so an agent without environments was taken", choice.Reason);
    }

    [Fact]
    public void Agents_of_other_environments_are_never_chosen_nor_listed()
    {
        var agents = SeededAgents();
        agents.Named(Primary).Environments = ["staging"];
        agents.Named(Monitoring).Environments = ["staging", "qa"];

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical, "production"), agents);

        Assert.Equal(General, choice.Agent!.Name);
        Assert.Equal([General], choice.Candidates.Select(c => c.AgentName));
    }

    [Fact]
    public void Task_with_only_agents_of_other_environments_gets_no_agent_and_a_reason_naming_the_environment()
    {
        var agents = SeededAgents();
        foreach (var agent in agents)
        {
            agent.Environments = ["staging"];
        }

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical, "production"), agents);

        Assert.False(choice.Found);
        Assert.Equal("No active agent in the production environment can take deployment tasks", choice.Reason);
        Assert.Empty(choice.Candidates);
    }

    [Fact]
    public void Task_without_an_environment_may_go_to_any_environments_agent()
    {
        var agents = SeededAgents();
        agents.Named(Primary).Environments = ["staging"];

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.Equal(Primary, choice.Agent!.Name);
    }

    // ---- reasons when nobody is chosen ----

    [Fact]
    public void No_agents_at_all_gives_no_agent_and_says_none_is_available_or_busy()
    {
        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment), []);

        Assert.False(choice.Found);
        Assert.Null(choice.Agent);
        Assert.Equal(0, choice.Score);
        Assert.StartsWith("No active agents are available or busy", choice.Reason);
        Assert.Empty(choice.Candidates);
    }

    [Fact]
    public void All_agents_offline_gives_no_agent_and_says_none_is_available_or_busy()
    {
        var agents = SeededAgents();
        foreach (var agent in agents)
        {
            agent.MarkOffline(Now);
        }

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment), agents);

        Assert.False(choice.Found);
        Assert.Equal("No active agents are available or busy (all are offline, in maintenance, in error or deactivated)", choice.Reason);
    }

    [Fact]
    public void No_compatible_agent_gives_no_agent_and_names_the_task_type()
    {
        var agents = SeededAgents().Where(a => a.Kind != AgentKind.General).ToList();

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Documentation), agents);

        Assert.False(choice.Found);
        Assert.Equal("No active agent can take documentation tasks", choice.Reason);
    }

    [Fact]
    public void All_compatible_agents_at_capacity_gives_no_agent_and_says_the_task_waits()
    {
        var agents = SeededAgents();
        foreach (var name in new[] { Primary, Monitoring, General })
        {
            agents.Named(name).AtCapacity();
        }

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), agents);

        Assert.False(choice.Found);
        Assert.Equal("All 3 agent(s) that can take deployment tasks are at capacity; the task waits for one to free up", choice.Reason);
        Assert.All(choice.Candidates, c => Assert.StartsWith("at capacity", c.Note));
    }

    // ---- candidates ----

    [Fact]
    public void Candidates_hold_the_five_best_scored_agents_plus_the_chosen_one_with_their_factors()
    {
        var busy = new[] { 10.0, 9.5, 9.0, 8.5, 8.0, 7.5 }
            .Select(w => NewAgent($"Busy-{w:F1}", AgentKind.General, 1, w).AtCapacity())
            .ToList();
        var spare = NewAgent("Spare", AgentKind.General, 3, 1.0);
        List<Agent> agents = [spare, .. busy];

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Documentation), agents);

        Assert.Equal("Spare", choice.Agent!.Name);
        Assert.Equal(["Busy-10.0", "Busy-9.5", "Busy-9.0", "Busy-8.5", "Busy-8.0", "Spare"], choice.Candidates.Select(c => c.AgentName));
        Assert.DoesNotContain(choice.Candidates, c => c.AgentName == "Busy-7.5");
        Assert.Equal("chosen", choice.Candidates[^1].Note);

        var best = choice.Candidates[0];
        Assert.Equal(busy[0].Id, best.AgentId);
        Assert.Equal(new ScoreFactors(Efficiency: 10.0, Capability: 1.0, PriorityBoost: 1.0, LoadPenalty: 0.5, Availability: 1.0), best.Factors);
        Assert.Equal(5.0, best.Score, 4);
        var chosen = choice.Candidates[^1];
        Assert.Equal(new ScoreFactors(Efficiency: 1.0, Capability: 1.0, PriorityBoost: 1.0, LoadPenalty: 1.0, Availability: 1.2), chosen.Factors);
    }

    [Fact]
    public void Candidates_hold_at_most_five_when_the_chosen_agent_is_among_them()
    {
        var agents = Enumerable.Range(1, 8).Select(i => NewAgent($"General-{i}", AgentKind.General, 3, i)).ToList();

        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Documentation), agents);

        Assert.Equal("General-8", choice.Agent!.Name);
        Assert.Equal(["General-8", "General-7", "General-6", "General-5", "General-4"], choice.Candidates.Select(c => c.AgentName));
        Assert.Equal(["chosen", "lower score", "lower score", "lower score", "lower score"], choice.Candidates.Select(c => c.Note));
    }

    [Fact]
    public void Chosen_candidate_lists_the_factors_of_the_reference_formula()
    {
        var choice = AgentScorer.Choose(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), SeededAgents());

        var chosen = choice.Candidates[0];
        Assert.Equal("chosen", chosen.Note);
        Assert.Equal(new ScoreFactors(Efficiency: 8.0, Capability: 1.5, PriorityBoost: 1.5, LoadPenalty: 1.0, Availability: 1.2), chosen.Factors);
        Assert.Equal(21.6, chosen.Score, 4);
    }

    // ---- success history (defect fix: no death spiral) ----

    [Fact]
    public void Agent_whose_first_outcome_is_a_failure_still_scores_above_zero_and_is_chosen_when_alone()
    {
        var agents = SeededAgents();
        var primary = agents.Named(Primary);
        primary.RecordOutcome(false, null, Now);
        Assert.Equal(0.0, primary.SuccessRate);

        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical);
        var choice = AgentScorer.Choose(item, [primary]);

        // Efficiency 8 × max(0.25, 0) = 2, then × 1.5 × 1.5 × 1.2.
        Assert.Equal(Primary, choice.Agent!.Name);
        Assert.Equal(5.40, choice.Score, 2);
    }

    [Fact]
    public void Agent_recovers_its_full_score_after_enough_successes_following_an_early_failure()
    {
        var primary = SeededAgents().Named(Primary);
        var item = NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical);
        primary.RecordOutcome(false, null, Now);
        var afterFailure = AgentScorer.Score(item, primary);

        primary.RecordOutcome(true, null, Now);
        var afterOneSuccess = AgentScorer.Score(item, primary);
        for (var i = 0; i < Agent.RecentWindow - 1; i++)
        {
            primary.RecordOutcome(true, null, Now);
        }

        Assert.Equal(5.40, afterFailure, 2);
        Assert.Equal(10.80, afterOneSuccess, 2);
        Assert.Equal(21.60, AgentScorer.Score(item, primary), 2);
    }

    [Fact]
    public void Load_counts_twice_once_an_agent_has_history_as_in_the_original()
    {
        var primary = SeededAgents().Named(Primary);
        primary.RecordOutcome(true, null, Now);
        primary.Holding(1);

        // E = 8 × 1.0 × (1 − 1/5) = 6.4, then × 1.5 × 1.5 × (1 − 0.5 × 1/5) × 1.2.
        Assert.Equal(15.552, AgentScorer.Score(NewWorkItem(WorkItemKind.Deployment, WorkItemPriority.Critical), primary), 3);
    }

    // ---- the seed data itself ----

    [Fact]
    public void Seeder_creates_the_five_reference_agents_with_their_types_capabilities_capacity_and_weight()
    {
        var expected = SeededAgents();

        foreach (var agent in expected)
        {
            var seeded = Assert.Single(Seeder.DefaultAgents, a => a.Name == agent.Name);
            Assert.Equal(agent.Kind, seeded.Kind);
            Assert.Equal(agent.Capabilities, seeded.Capabilities);
            Assert.Equal(agent.MaxConcurrentTasks, seeded.Max);
            Assert.Equal(agent.PriorityWeight, seeded.Weight);
        }
    }
}

/// <summary>
/// Choosing runs for every waiting task in every assignment pass: what it allocates must not grow with the pool (only the
/// top candidates' breakdown is allocated). Counted in bytes on this thread, which is exact, not timed.
/// </summary>
public sealed class AgentScorerAllocationTests
{
    [Fact]
    public void Choosing_among_a_thousand_agents_allocates_no_more_than_among_ten()
    {
        var item = new WorkItem { Title = "deploy", Kind = WorkItemKind.Deployment, Environment = "production" };
        var selection = new AgentSelection(["agent-0003"], ["someone-else"], null, 1.5, [new OrchestrationRule { Name = "prefer and avoid" }]);

        var few = AllocatedByChoose(item, Pool(10), selection);
        var many = AllocatedByChoose(item, Pool(1000), selection);

        Assert.True(many - few < 1024, $"choosing among 1,000 agents allocated {many:N0} bytes, among 10 {few:N0}: something is allocated per agent");
    }

    private static long AllocatedByChoose(WorkItem item, List<Agent> agents, AgentSelection selection)
    {
        AgentScorer.Choose(item, agents, selection); // warm: nothing of the first call's JIT is counted
        var before = GC.GetAllocatedBytesForCurrentThread();
        AgentScorer.Choose(item, agents, selection);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static List<Agent> Pool(int count) => Enumerable.Range(0, count).Select(i => new Agent
    {
        Name = $"agent-{i:D4}",
        Kind = AgentKind.Deployment,
        Capabilities = [WorkItemKind.Deployment],
        Environments = i % 2 == 0 ? ["production"] : [],
        MaxConcurrentTasks = 5,
        PriorityWeight = 1 + (i % 7),
    }).ToList();
}
