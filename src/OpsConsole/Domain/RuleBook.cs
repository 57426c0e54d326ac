using System.Text.Json;

namespace OpsConsole.Domain;

/// <summary>
/// The active rules of one decision, parsed once, lowest priority number first (then name). For agent_selection,
/// failure_handling and task_escalation the first matching rule wins per action: a rule that sets only
/// <c>retry_base_seconds</c> leaves <c>max_retries</c> to the next matching rule, and what no rule sets is the setting's default.
/// Notification rules are destinations: every matching one is told.
/// </summary>
public sealed class RuleBook
{
    private readonly List<Entry> entries;

    public RuleBook(IEnumerable<OrchestrationRule> rules)
    {
        entries = [];
        foreach (var rule in rules.Where(r => r.IsActive).OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            try
            {
                using var conditions = JsonDocument.Parse(rule.TriggerConditions);
                using var actions = JsonDocument.Parse(rule.Actions);
                if (conditions.RootElement.ValueKind == JsonValueKind.Object && actions.RootElement.ValueKind == JsonValueKind.Object)
                {
                    entries.Add(new Entry(rule, conditions.RootElement.Clone(), actions.RootElement.Clone()));
                }
            }
            catch (JsonException)
            {
                // A rule stored before validation existed; it simply does not apply.
            }
        }
    }

    public static RuleBook Empty { get; } = new([]);

    public IEnumerable<OrchestrationRule> Rules(RuleKind kind) => entries.Where(e => e.Rule.Kind == kind).Select(e => e.Rule);

    /// <summary>The rules of <paramref name="kind"/> whose conditions <paramref name="item"/> meets, in order.</summary>
    public IEnumerable<OrchestrationRule> Matching(RuleKind kind, WorkItem item) =>
        entries.Where(e => e.Rule.Kind == kind && RuleEvaluator.Matches(e.Conditions, item)).Select(e => e.Rule);

    /// <summary>Every action of <paramref name="kind"/> for <paramref name="item"/>, each from the first matching rule that sets it.</summary>
    public ResolvedActions Resolve(RuleKind kind, WorkItem item)
    {
        var values = new Dictionary<string, (JsonElement Value, OrchestrationRule Rule)>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Rule.Kind == kind && RuleEvaluator.Matches(e.Conditions, item)))
        {
            foreach (var action in entry.Actions.EnumerateObject())
            {
                values.TryAdd(action.Name, (action.Value, entry.Rule));
            }
        }

        return new ResolvedActions(values);
    }

    public AgentSelection SelectionFor(WorkItem item) => AgentSelection.From(Resolve(RuleKind.AgentSelection, item));

    public FailureRules FailureFor(WorkItem item, BackoffSettings defaults) => FailureRules.From(Resolve(RuleKind.FailureHandling, item), defaults);

    public EscalationRules EscalationFor(WorkItem item, TimeSpan blockedDefault) => EscalationRules.From(Resolve(RuleKind.TaskEscalation, item), blockedDefault);

    /// <summary>The notification rules that want <paramref name="notificationEvent"/> for <paramref name="item"/>.</summary>
    public IEnumerable<(OrchestrationRule Rule, NotificationTarget Target)> NotificationsFor(WorkItem item, string notificationEvent)
    {
        foreach (var entry in entries.Where(e => e.Rule.Kind == RuleKind.Notification && RuleEvaluator.Matches(e.Conditions, item)))
        {
            if (NotificationTarget.From(entry.Actions) is { } target && target.Events.Contains(notificationEvent))
            {
                yield return (entry.Rule, target);
            }
        }
    }

    /// <summary>The shortest escalate_after_minutes of any active rule (null when no rule escalates waiting work).</summary>
    public int? ShortestWaitingLimitMinutes() => entries
        .Where(e => e.Rule.Kind == RuleKind.TaskEscalation)
        .Select(e => e.Actions.TryGetProperty("escalate_after_minutes", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var m) ? m : (int?)null)
        .Min();

    private sealed record Entry(OrchestrationRule Rule, JsonElement Conditions, JsonElement Actions);
}

/// <summary>Actions resolved for one task: each from the first matching rule that sets it.</summary>
public sealed class ResolvedActions(Dictionary<string, (JsonElement Value, OrchestrationRule Rule)> values)
{
    /// <summary>The rules that decided at least one action, in order.</summary>
    public IReadOnlyList<OrchestrationRule> Rules => values.Values.Select(v => v.Rule).Distinct().OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();

    public bool IsEmpty => values.Count == 0;

    public int? Int(string key) => values.TryGetValue(key, out var v) && v.Value.ValueKind == JsonValueKind.Number && v.Value.TryGetInt32(out var i) ? i : null;

    public double? Number(string key) => values.TryGetValue(key, out var v) && v.Value.ValueKind == JsonValueKind.Number ? v.Value.GetDouble() : null;

    public string? Text(string key) => values.TryGetValue(key, out var v) && v.Value.ValueKind == JsonValueKind.String ? v.Value.GetString() : null;

    public IReadOnlyList<string>? Names(string key) => values.TryGetValue(key, out var v) ? RuleJson.Names(v.Value) : null;

    public OrchestrationRule? RuleOf(string key) => values.TryGetValue(key, out var v) ? v.Rule : null;
}

/// <summary>What agent_selection rules say about one task: agents preferred (with a score bonus), avoided, or the only ones allowed.</summary>
public sealed record AgentSelection(
    IReadOnlyList<string> Prefer, IReadOnlyList<string> Avoid, IReadOnlyList<string>? Only, double PreferBonus, IReadOnlyList<OrchestrationRule> Rules)
{
    public const double DefaultPreferBonus = 1.5;

    public static AgentSelection None { get; } = new([], [], null, 1.0, []);

    public bool IsEmpty => Rules.Count == 0;

    public static AgentSelection From(ResolvedActions actions) => actions.IsEmpty ? None : new(
        actions.Names("prefer_agents") ?? [],
        actions.Names("avoid_agents") ?? [],
        actions.Names("only_agents"),
        actions.Number("prefer_bonus") ?? DefaultPreferBonus,
        actions.Rules);

    /// <summary>Null when the rules allow the agent; otherwise why not.</summary>
    public string? Excludes(Agent agent)
    {
        if (Only is { } only && !Has(only, agent.Name))
        {
            return $"not among the only agents allowed ({string.Join(", ", only)})";
        }

        return Has(Avoid, agent.Name) ? "avoided by rule" : null;
    }

    /// <summary>The score factor a rule gives this agent: the bonus for a preferred agent, 1 otherwise.</summary>
    public double Bonus(Agent agent) => Has(Prefer, agent.Name) ? PreferBonus : 1.0;

    public string Describe() => string.Join(", ", new[]
    {
        Only is { } o ? $"only {string.Join(", ", o)}" : null,
        Prefer.Count > 0 ? $"prefer {string.Join(", ", Prefer)} (×{PreferBonus:0.##})" : null,
        Avoid.Count > 0 ? $"avoid {string.Join(", ", Avoid)}" : null,
    }.OfType<string>());

    public string RuleNames => string.Join(", ", Rules.Select(r => $"'{r.Name}'"));

    /// <summary>A loop, not LINQ: this runs once per agent per task in every assignment pass, and must not allocate.</summary>
    private static bool Has(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What happens when the retries of a failure_handling rule are used up.</summary>
public enum ExhaustedAction
{
    Escalate,
    NeedsAttention,
    Cancel,
}

/// <summary>What failure_handling rules say about one task; the settings (Orchestration:Retry*) where no rule matches.</summary>
public sealed record FailureRules(int? MaxRetries, BackoffSettings Backoff, ExhaustedAction OnExhausted, IReadOnlyList<OrchestrationRule> Rules)
{
    public static FailureRules Defaults(BackoffSettings backoff) => new(null, backoff, ExhaustedAction.Escalate, []);

    public static FailureRules From(ResolvedActions actions, BackoffSettings defaults)
    {
        var baseSeconds = actions.Int("retry_base_seconds");
        var maxSeconds = actions.Int("retry_max_seconds");
        var backoff = defaults with
        {
            Base = baseSeconds is { } b ? TimeSpan.FromSeconds(b) : defaults.Base,
            Max = maxSeconds is { } m ? TimeSpan.FromSeconds(m) : defaults.Max,
        };
        if (backoff.Max < backoff.Base)
        {
            backoff = backoff with { Max = backoff.Base };
        }

        var onExhausted = actions.Text("on_exhausted") is { } text && WireFormat.TryParse<ExhaustedAction>(text, out var parsed) ? parsed : ExhaustedAction.Escalate;
        return new(actions.Int("max_retries"), backoff, onExhausted, actions.Rules);
    }

    public string Describe() => string.Join(", ", new[]
    {
        MaxRetries is { } r ? $"max retries {r}" : null,
        $"backoff {FailurePolicy.Humanize(Backoff.Base)}–{FailurePolicy.Humanize(Backoff.Max)}",
        $"then {WireFormat.Of(OnExhausted)}",
    }.OfType<string>());
}

/// <summary>What task_escalation rules say about one task: waiting work, blocked work and overdue work escalate after these periods.</summary>
public sealed record EscalationRules(TimeSpan? WaitingLimit, TimeSpan BlockedLimit, TimeSpan OverduePeriod, IReadOnlyList<OrchestrationRule> Rules)
{
    private OrchestrationRule? waitingRule;
    private OrchestrationRule? blockedRule;
    private OrchestrationRule? overdueRule;

    public static EscalationRules Defaults(TimeSpan blocked) => new(null, blocked, EscalationPolicy.MinimumOverduePeriod, []);

    public static EscalationRules From(ResolvedActions actions, TimeSpan blockedDefault) => new(
        actions.Int("escalate_after_minutes") is { } waiting ? TimeSpan.FromMinutes(waiting) : null,
        actions.Int("blocked_after_minutes") is { } blocked ? TimeSpan.FromMinutes(blocked) : blockedDefault,
        actions.Int("overdue_every_minutes") is { } overdue ? TimeSpan.FromMinutes(overdue) : EscalationPolicy.MinimumOverduePeriod,
        actions.Rules)
    {
        waitingRule = actions.RuleOf("escalate_after_minutes"),
        blockedRule = actions.RuleOf("blocked_after_minutes"),
        overdueRule = actions.RuleOf("overdue_every_minutes"),
    };

    /// <summary>The rule that set the period behind an escalation of <paramref name="item"/> now (blocked, overdue or waiting).</summary>
    public IReadOnlyList<OrchestrationRule> Deciding(WorkItem item, DateTime now) =>
        (item.Status == WorkItemStatus.Blocked ? blockedRule : item.DueDate is { } due && now > due ? overdueRule : waitingRule) is { } rule ? [rule] : [];
}

/// <summary>Where a notification rule sends which events.</summary>
public sealed record NotificationTarget(string Url, string? Secret, IReadOnlyList<string> Events)
{
    public static NotificationTarget? From(JsonElement actions)
    {
        if (!actions.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var events = actions.TryGetProperty("events", out var e) ? RuleJson.Names(e) ?? [] : NotificationEvents.All;
        var secret = actions.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } text ? text : null;
        return new NotificationTarget(url.GetString()!, secret, events);
    }
}

/// <summary>The events a notification rule can ask for (wire names).</summary>
public static class NotificationEvents
{
    public const string Escalated = "escalated";
    public const string NeedsAttention = "needs_attention";
    public const string FailedFinal = "failed_final";
    public const string EmergencyCreated = "emergency_created";
    public const string BudgetExceeded = "budget_exceeded";

    public static readonly string[] All = [Escalated, NeedsAttention, FailedFinal, EmergencyCreated, BudgetExceeded];
}

internal static class RuleJson
{
    /// <summary>A string or a list of strings as a list; null for anything else.</summary>
    public static IReadOnlyList<string>? Names(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) => value.EnumerateArray().Select(v => v.GetString()!).ToList(),
        _ => null,
    };
}
