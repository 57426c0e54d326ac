using System.Runtime.InteropServices;

namespace OpsConsole.Domain;

/// <summary>The factors that multiply to an agent's score for one task (reference §2).</summary>
public readonly record struct ScoreFactors(
    double Efficiency,
    double Capability,
    double PriorityBoost,
    double LoadPenalty,
    double Availability,
    double RuleBonus = 1.0)
{
    public double Score => Math.Max(0, Efficiency * Capability * PriorityBoost * LoadPenalty * Availability * RuleBonus);
}

/// <summary>How one agent fared for one task.</summary>
public sealed record CandidateScore(Guid AgentId, string AgentName, double Score, ScoreFactors Factors, string Note);

/// <summary>The agent chosen for a task (or none), why, and how the best candidates scored.</summary>
public sealed record AgentChoice(Agent? Agent, double Score, string Reason, IReadOnlyList<CandidateScore> Candidates)
{
    public bool Found => Agent is not null;
}

/// <summary>
/// Picks the best agent for a task: the original's scoring formula (capability, efficiency, priority weighting,
/// load, availability), restricted to agents that can take the task now, the task's environment pool first,
/// and never the agent that just failed the task when another one fits.
/// </summary>
public static class AgentScorer
{
    public const int CandidatesKept = 5;

    /// <summary>Whether the agent may work on this kind of task at all: a capability, a compatible type, or a general agent.</summary>
    public static bool IsCompatible(WorkItemKind kind, Agent agent) =>
        agent.Kind == AgentKind.General || agent.Kind == NativeAgentKind(kind) || HasCapability(agent, kind);

    /// <summary>A loop over the agent's few capabilities: List.Contains costs more than the scoring around it, per agent.</summary>
    private static bool HasCapability(Agent agent, WorkItemKind kind)
    {
        foreach (var capability in CollectionsMarshal.AsSpan(agent.Capabilities))
        {
            if (capability == kind)
            {
                return true;
            }
        }

        return false;
    }

    private static AgentKind NativeAgentKind(WorkItemKind kind) => kind switch
    {
        WorkItemKind.Deployment => AgentKind.Deployment,
        WorkItemKind.BugFix => AgentKind.Code,
        WorkItemKind.GithubIssue => AgentKind.Github,
        WorkItemKind.Testing => AgentKind.Testing,
        WorkItemKind.SystemMonitoring => AgentKind.Monitoring,
        _ => AgentKind.General,
    };

    /// <summary>The score factors of one agent for one task; all zero when the agent is not compatible.</summary>
    public static ScoreFactors Factors(WorkItemKind kind, WorkItemPriority priority, Agent agent) => Factors(kind, priority, agent, null);

    /// <summary>The score factors with the bonus agent_selection rules give a preferred agent (<see cref="AgentSelection.Bonus"/>).</summary>
    /// <remarks>Inlined into the selection loop, where only their product is used: the factors then never leave registers.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ScoreFactors Factors(WorkItemKind kind, WorkItemPriority priority, Agent agent, AgentSelection? selection)
    {
        // The capability once: it decides both whether the agent may take the task and the capability factor.
        var capable = HasCapability(agent, kind);
        if (!capable && agent.Kind != AgentKind.General && agent.Kind != NativeAgentKind(kind))
        {
            return default;
        }

        var load = agent.Load;
        var weight = agent.PriorityWeight;
        var boost = priority switch
        {
            WorkItemPriority.Emergency when weight >= 5.0 => 2.0,
            WorkItemPriority.Critical when weight >= 3.0 => 1.5,
            _ => 1.0,
        };

        return new ScoreFactors(
            Efficiency: agent.EfficiencyScore,
            Capability: capable ? 1.5 : 1.0,
            PriorityBoost: boost,
            LoadPenalty: 1 - (0.5 * load),
            Availability: agent.Status == AgentStatus.Available ? 1.2 : 1.0,
            RuleBonus: selection is null || selection.IsEmpty ? 1.0 : selection.Bonus(agent));
    }

    public static double Score(WorkItem item, Agent agent, AgentSelection? selection = null) => Factors(item.Kind, item.Priority, agent, selection).Score;

    /// <summary>
    /// The best agent for <paramref name="item"/> among <paramref name="agents"/>, within what the agent_selection rules of
    /// <paramref name="selection"/> allow (only/avoid), preferred agents scoring their bonus.
    /// </summary>
    public static AgentChoice Choose(WorkItem item, IReadOnlyList<Agent> agents, AgentSelection? selection = null)
    {
        selection ??= AgentSelection.None;
        Span<int> top = stackalloc int[CandidatesKept];
        Span<double> topScores = stackalloc double[CandidatesKept];
        var topCount = 0;
        var best = -1;
        var bestKey = default(Key);
        var considered = 0;
        var compatible = 0;
        var excluded = 0;
        var poolExists = false;

        var (kind, priority, taskEnvironment, avoid) = (item.Kind, item.Priority, item.Environment, item.AvoidAgentId);
        var hasEnvironment = !string.IsNullOrEmpty(taskEnvironment);
        var filtering = !selection.IsEmpty;
        var scoring = filtering ? selection : null; // no rule bonus to look up per agent without rules

        // The pool as a span when it is a list (it is, in every pass): no interface call per agent.
        var pool = agents is List<Agent> list ? CollectionsMarshal.AsSpan(list) : agents is Agent[] array ? array : [.. agents];
        for (var i = 0; i < pool.Length; i++)
        {
            var agent = pool[i];
            if (!agent.IsActive || agent.Status is not (AgentStatus.Available or AgentStatus.Busy))
            {
                continue;
            }

            considered++;
            if (filtering && selection.Excludes(agent) is not null)
            {
                excluded++;
                continue;
            }

            // Without an environment on the task every agent is in its pool, and the agents' lists are not read.
            var environment = hasEnvironment ? Pool(taskEnvironment, agent) : 0;
            poolExists |= hasEnvironment && environment == 0 && agent.Environments.Count > 0;
            var score = Factors(kind, priority, agent, scoring).Score;
            if (score <= 0 || environment < 0)
            {
                continue;
            }

            compatible++;
            if (topCount < CandidatesKept || score >= topScores[CandidatesKept - 1])
            {
                InsertTop(top, topScores, ref topCount, pool, i, score);
            }

            if (!agent.IsAvailableForAssignment)
            {
                continue;
            }

            var key = new Key(avoid is { } avoided && agent.Id == avoided, environment, score);
            if (best < 0 || Better(key, agent, bestKey, pool[best]))
            {
                best = i;
                bestKey = key;
            }
        }

        var chosen = best >= 0 ? pool[best] : null;
        var candidates = Describe(top[..topCount], pool, item, chosen, poolExists, selection);
        if (chosen is null)
        {
            return new AgentChoice(null, 0, NoAgentReason(item, considered, compatible, excluded, selection), candidates);
        }

        return new AgentChoice(chosen, bestKey.Score, ChosenReason(item, chosen, bestKey, poolExists, top[..topCount], pool, selection), candidates);
    }

    /// <summary>Whether the agent could take the task now, and if not, why (the preview lists every agent with this).</summary>
    public static (bool Eligible, string Reason) Eligibility(WorkItem item, Agent agent, AgentSelection? selection = null)
    {
        if (!agent.IsActive)
        {
            return (false, "deactivated");
        }

        if (agent.Status is not (AgentStatus.Available or AgentStatus.Busy))
        {
            return (false, $"{agent.Status.Wire()}");
        }

        if (selection?.Excludes(agent) is { } excluded)
        {
            return (false, $"{excluded} (rule {selection.RuleNames})");
        }

        if (!IsCompatible(item.Kind, agent))
        {
            return (false, $"cannot take {item.Kind.Wire()} tasks");
        }

        if (Pool(item.Environment, agent) < 0)
        {
            return (false, $"serves other environments ({string.Join(", ", agent.Environments)})");
        }

        if (!agent.IsAvailableForAssignment)
        {
            return (false, $"at capacity ({agent.ActiveTaskCount}/{agent.MaxConcurrentTasks})");
        }

        return (true, agent.Id == item.AvoidAgentId ? "eligible, but failed this task last time" : "eligible");
    }

    private readonly record struct Key(bool Avoided, int Pool, double Score);

    /// <summary>0: the task's environment (or the task has none); 1: fallback to an agent without environments; -1: other environment.</summary>
    private static int Pool(string? environment, Agent agent)
    {
        if (string.IsNullOrEmpty(environment))
        {
            return 0;
        }

        if (agent.Environments.Count == 0)
        {
            return 1;
        }

        foreach (var env in agent.Environments)
        {
            if (string.Equals(env, environment, StringComparison.OrdinalIgnoreCase))
            {
                return 0;
            }
        }

        return -1;
    }

    private static bool Better(Key key, Agent agent, Key bestKey, Agent bestAgent)
    {
        // Ties and pools are unchanged by rules: a preferred agent wins through its score bonus.
        if (key.Avoided != bestKey.Avoided)
        {
            return !key.Avoided;
        }

        if (key.Pool != bestKey.Pool)
        {
            return key.Pool < bestKey.Pool;
        }

        return Ranks(key.Score, agent, bestKey.Score, bestAgent);
    }

    /// <summary>Higher score first; ties by higher priority weight, then name (the original's stable order).</summary>
    private static bool Ranks(double score, Agent agent, double otherScore, Agent other)
    {
        if (score != otherScore)
        {
            return score > otherScore;
        }

        if (agent.PriorityWeight != other.PriorityWeight)
        {
            return agent.PriorityWeight > other.PriorityWeight;
        }

        return string.CompareOrdinal(agent.Name, other.Name) < 0;
    }

    /// <summary>Keeps the indexes of the best <see cref="CandidatesKept"/> agents, best first, without allocating.</summary>
    private static void InsertTop(Span<int> top, Span<double> topScores, ref int count, ReadOnlySpan<Agent> agents, int index, double score)
    {
        var agent = agents[index];
        var position = count;
        while (position > 0 && Ranks(score, agent, topScores[position - 1], agents[top[position - 1]]))
        {
            position--;
        }

        if (position >= top.Length)
        {
            return;
        }

        var last = Math.Min(count, top.Length - 1);
        for (var j = last; j > position; j--)
        {
            top[j] = top[j - 1];
            topScores[j] = topScores[j - 1];
        }

        top[position] = index;
        topScores[position] = score;
        count = Math.Min(count + 1, top.Length);
    }

    private static CandidateScore[] Describe(ReadOnlySpan<int> top, ReadOnlySpan<Agent> agents, WorkItem item, Agent? chosen, bool poolExists, AgentSelection selection)
    {
        var list = new List<CandidateScore>(top.Length + 1);
        var chosenListed = false;
        foreach (var index in top)
        {
            var agent = agents[index];
            chosenListed |= agent == chosen;
            list.Add(Candidate(item, agent, chosen, poolExists, selection));
        }

        if (chosen is not null && !chosenListed)
        {
            list.Add(Candidate(item, chosen, chosen, poolExists, selection));
        }

        return [.. list];
    }

    private static CandidateScore Candidate(WorkItem item, Agent agent, Agent? chosen, bool poolExists, AgentSelection selection)
    {
        var factors = Factors(item.Kind, item.Priority, agent, selection);
        return new CandidateScore(agent.Id, agent.Name, Math.Round(factors.Score, 4), factors, Note(item, agent, chosen, poolExists));
    }

    private static string Note(WorkItem item, Agent agent, Agent? chosen, bool poolExists)
    {
        if (agent == chosen)
        {
            return "chosen";
        }

        if (agent.Status == AgentStatus.Busy || agent.ActiveTaskCount >= agent.MaxConcurrentTasks)
        {
            return $"at capacity ({agent.ActiveTaskCount}/{agent.MaxConcurrentTasks})";
        }

        if (agent.Id == item.AvoidAgentId)
        {
            return "failed or dropped this task last time";
        }

        if (poolExists && Pool(item.Environment, agent) == 1)
        {
            return $"not in the {item.Environment} pool";
        }

        return "lower score";
    }

    private static string ChosenReason(WorkItem item, Agent chosen, Key key, bool poolExists, ReadOnlySpan<int> top, ReadOnlySpan<Agent> agents, AgentSelection selection)
    {
        var reason = $"Best match for {item.Kind.Wire()} ({item.Priority.Wire()}): {chosen.Name} scored {key.Score:F2} " +
            $"(efficiency {chosen.EfficiencyScore:F2}, load {chosen.ActiveTaskCount}/{chosen.MaxConcurrentTasks}" +
            $"{(HasCapability(chosen, item.Kind) ? ", has the capability" : "")})";

        if (top.Length > 0 && agents[top[0]] is var leader && leader != chosen)
        {
            reason += $"; {leader.Name} scored higher ({Score(item, leader, selection):F2}) but is {Note(item, leader, chosen, poolExists)}";
        }

        if (!selection.IsEmpty)
        {
            reason += $"; rule {selection.RuleNames} applied: {selection.Describe()}";
        }

        if (key.Pool == 1 && poolExists)
        {
            reason += $"; no agent of the {item.Environment} environment was free, so an agent without environments was taken";
        }

        if (key.Avoided)
        {
            reason += "; it failed this task last time, but no other agent fits";
        }

        return reason;
    }

    private static string NoAgentReason(WorkItem item, int considered, int compatible, int excluded, AgentSelection selection)
    {
        if (considered == 0)
        {
            return "No active agents are available or busy (all are offline, in maintenance, in error or deactivated)";
        }

        if (compatible == 0 && excluded > 0)
        {
            return $"Rule {selection.RuleNames} applied: {selection.Describe()}; none of the agents it allows can take the task now, so it waits";
        }

        var where = string.IsNullOrEmpty(item.Environment) ? "" : $" in the {item.Environment} environment";
        var rule = selection.Only is null ? "" : $" (rule {selection.RuleNames} allows only {string.Join(", ", selection.Only)})";
        return compatible == 0
            ? $"No active agent{where} can take {item.Kind.Wire()} tasks"
            : $"All {compatible} agent(s) that can take {item.Kind.Wire()} tasks{where}{rule} are at capacity; the task waits for one to free up";
    }
}
