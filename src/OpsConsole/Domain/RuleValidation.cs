using System.Text.Json;

namespace OpsConsole.Domain;

/// <summary>What each rule type understands, and what is wrong with a rule, field by field (empty when it is valid).</summary>
public static class RuleValidation
{
    public static readonly string[] AgentSelectionKeys = ["prefer_agents", "avoid_agents", "only_agents", "prefer_bonus"];
    public static readonly string[] FailureHandlingKeys = ["max_retries", "retry_base_seconds", "retry_max_seconds", "on_exhausted"];
    public static readonly string[] TaskEscalationKeys = ["escalate_after_minutes", "blocked_after_minutes", "overdue_every_minutes"];
    public static readonly string[] NotificationKeys = ["url", "events", "secret"];

    /// <summary>The types whose rules decide something, and are therefore checked; task_assignment and monitoring rules are stored as sent.</summary>
    public static bool IsChecked(RuleKind kind) => kind is RuleKind.TaskCreation or RuleKind.AgentSelection or RuleKind.FailureHandling
        or RuleKind.TaskEscalation or RuleKind.Notification;

    public static IEnumerable<(string Field, string Message)> Validate(RuleKind kind, string conditionsJson, string actionsJson)
    {
        if (kind == RuleKind.TaskCreation)
        {
            return RuleEvaluator.Validate(conditionsJson, actionsJson);
        }

        if (!IsChecked(kind))
        {
            return [];
        }

        var type = WireFormat.Of(kind);
        using var actions = JsonDocument.Parse(actionsJson);
        var root = actions.RootElement;
        var problems = RuleEvaluator.ValidateConditions(conditionsJson, type).ToList();
        var keys = kind switch
        {
            RuleKind.AgentSelection => AgentSelectionKeys,
            RuleKind.FailureHandling => FailureHandlingKeys,
            RuleKind.TaskEscalation => TaskEscalationKeys,
            _ => NotificationKeys,
        };
        foreach (var a in root.EnumerateObject())
        {
            var message = !keys.Contains(a.Name)
                ? $"unknown action '{a.Name}'; {type} rules understand {string.Join(", ", keys)}"
                : Check(a.Name, a.Value);
            if (message is not null)
            {
                problems.Add(("actions", message));
            }
        }

        if (!root.EnumerateObject().Any(a => a.Name != "prefer_bonus"))
        {
            problems.Add(("actions", $"a {type} rule needs at least one of {string.Join(", ", keys.Where(k => k != "prefer_bonus"))}"));
        }

        if (kind == RuleKind.Notification && !root.TryGetProperty("url", out _))
        {
            problems.Add(("actions", "url is required: the address notifications are posted to (http or https)"));
        }

        if (kind == RuleKind.FailureHandling && root.TryGetProperty("retry_base_seconds", out var b) && root.TryGetProperty("retry_max_seconds", out var m)
            && b.TryGetInt32(out var baseSeconds) && m.TryGetInt32(out var maxSeconds) && maxSeconds < baseSeconds)
        {
            problems.Add(("actions", $"retry_max_seconds ({maxSeconds}) must be at least retry_base_seconds ({baseSeconds})"));
        }

        return problems;
    }

    private static string? Check(string name, JsonElement value) => name switch
    {
        "prefer_agents" or "avoid_agents" or "only_agents" => RuleJson.Names(value) is { Count: > 0 and <= 50 } names && names.All(n => n.Trim().Length is > 0 and <= 100)
            ? null : $"{name} must be an agent name or a list of 1 to 50 agent names",
        "prefer_bonus" => value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 1 and <= 10 ? null : "prefer_bonus must be a number from 1 to 10 (the score factor of a preferred agent)",
        "max_retries" => Whole(value, 0, 20) ? null : "max_retries must be a whole number from 0 to 20",
        "retry_base_seconds" => Whole(value, 1, 86_400) ? null : "retry_base_seconds must be a whole number from 1 to 86400",
        "retry_max_seconds" => Whole(value, 1, 604_800) ? null : "retry_max_seconds must be a whole number from 1 to 604800",
        "on_exhausted" => value.ValueKind == JsonValueKind.String && WireFormat.TryParse<ExhaustedAction>(value.GetString(), out _)
            ? null : $"on_exhausted must be one of {WireFormat.Allowed<ExhaustedAction>()}",
        "escalate_after_minutes" or "blocked_after_minutes" or "overdue_every_minutes" => Whole(value, 1, 525_600) ? null : $"{name} must be a whole number from 1 to 525600",
        "url" => value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https" && value.GetString()!.Length <= 2000
            ? null : "url must be an absolute http or https address (at most 2000 characters)",
        "events" => RuleJson.Names(value) is { Count: > 0 } events && events.All(NotificationEvents.All.Contains)
            ? null : $"events must be a list of one or more of {string.Join(", ", NotificationEvents.All)}",
        "secret" => value.ValueKind == JsonValueKind.String && value.GetString()!.Length is >= 8 and <= 200
            ? null : "secret must be a string of 8 to 200 characters (the HMAC-SHA256 key of X-OpsConsole-Signature-256)",
        _ => null,
    };

    private static bool Whole(JsonElement value, int min, int max) => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) && i >= min && i <= max;
}

/// <summary>Rules that would quietly stop work: refused with the reason before they are saved.</summary>
public static class RuleSafety
{
    public const string SecretMask = "********";

    /// <summary>Rule actions with a notification <c>secret</c> replaced by <see cref="SecretMask"/> (for reads and the audit trail).</summary>
    public static string MaskSecret(string actions)
    {
        if (!actions.Contains("\"secret\"", StringComparison.Ordinal))
        {
            return actions;
        }

        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(actions) is System.Text.Json.Nodes.JsonObject o && o["secret"] is System.Text.Json.Nodes.JsonValue v
                && v.TryGetValue<string>(out var s) && s.Length > 0)
            {
                o["secret"] = SecretMask;
                return o.ToJsonString();
            }
        }
        catch (JsonException)
        {
        }

        return actions;
    }

    /// <summary>Why <paramref name="rule"/> would route what it matches to nobody among <paramref name="agents"/> (null when it would not).</summary>
    public static string? RoutesToNobody(OrchestrationRule rule, IReadOnlyList<Agent> agents)
    {
        if (!rule.IsActive)
        {
            return null;
        }

        if (rule.Kind == RuleKind.AgentSelection)
        {
            var active = agents.Where(a => a.IsActive).ToList();
            var selection = AgentSelection.From(ResolveAll(rule));
            if (active.Count > 0 && active.All(a => selection.Excludes(a) is not null))
            {
                return $"actions: {selection.Describe()} leaves none of the active agents ({string.Join(", ", active.Select(a => a.Name).Order())}); " +
                    "every task this rule matches would wait forever. Name at least one active agent, or deactivate the rule";
            }
        }

        if (rule.Kind == RuleKind.TaskCreation && rule.TriggerConditions.Trim() is "{}" or "" && RuleEvaluator.Effect(rule.Actions).AutoAssign == false)
        {
            return "actions: auto_assign false with no trigger_conditions would leave every new task unassigned; add conditions that say which tasks wait for a person";
        }

        return null;
    }

    /// <summary>The rule's actions as resolved for a task it matches (any task: conditions are not what is checked here).</summary>
    private static ResolvedActions ResolveAll(OrchestrationRule rule)
    {
        var values = new Dictionary<string, (JsonElement, OrchestrationRule)>(StringComparer.Ordinal);
        using var actions = JsonDocument.Parse(rule.Actions);
        foreach (var action in actions.RootElement.EnumerateObject())
        {
            values[action.Name] = (action.Value.Clone(), rule);
        }

        return new ResolvedActions(values);
    }
}
