using System.Text.Json;

namespace OpsConsole.Domain;

/// <summary>What a task_creation rule may change on a new task.</summary>
public sealed record RuleEffect(
    WorkItemPriority? SetPriority,
    WorkItemPriority? MinPriority,
    int? DueInMinutes,
    int? MaxRetries,
    bool? AutoAssign,
    bool? OpenIssue = null,
    int? MaxRunMinutes = null,
    decimal? MaxCostUsd = null)
{
    public void ApplyTo(WorkItem item, DateTime now)
    {
        if (SetPriority is { } set)
        {
            item.SetPriority(set, now);
        }

        if (MinPriority is { } min && item.Priority < min)
        {
            item.SetPriority(min, now);
        }

        if (DueInMinutes is { } minutes)
        {
            var due = now.AddMinutes(minutes);
            if (item.DueDate is null || due < item.DueDate)
            {
                item.DueDate = due;
            }
        }

        if (MaxRetries is { } retries)
        {
            item.MaxRetries = retries;
        }

        if (AutoAssign is { } auto)
        {
            item.AutoAssign = auto;
        }

        if (OpenIssue == true)
        {
            item.RequestIssue();
        }

        if (MaxRunMinutes is { } cap && (item.MaxRunMinutes is null || cap < item.MaxRunMinutes))
        {
            item.MaxRunMinutes = cap;
        }

        if (MaxCostUsd is { } budget && (item.BudgetUsd is null || budget < item.BudgetUsd))
        {
            item.BudgetUsd = budget;
        }
    }

    public string Describe() => string.Join(", ", new[]
    {
        SetPriority is { } p ? $"priority {p.Wire()}" : null,
        MinPriority is { } m ? $"priority at least {m.Wire()}" : null,
        DueInMinutes is { } d ? $"due within {d} min" : null,
        MaxRetries is { } r ? $"max retries {r}" : null,
        AutoAssign is { } a ? $"auto-assign {(a ? "on" : "off")}" : null,
        OpenIssue == true ? "opens a GitHub issue" : null,
        MaxRunMinutes is { } run ? $"runs capped at {run} min" : null,
        MaxCostUsd is { } cost ? $"budget ${cost.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : null,
    }.OfType<string>());
}

/// <summary>
/// Evaluates task_creation rules: trigger_conditions match a new task's type, priority, environment, source or title;
/// actions adjust it. The original stored rules but never evaluated them.
/// </summary>
public static class RuleEvaluator
{
    public static readonly string[] ConditionKeys = ["task_type", "priority", "environment", "source", "title_contains", "labels"];
    public static readonly string[] ActionKeys = ["set_priority", "min_priority", "due_in_minutes", "max_retries", "auto_assign", "open_github_issue", "max_run_minutes", "max_cost_usd"];

    public static bool Matches(string conditionsJson, WorkItem item)
    {
        using var doc = JsonDocument.Parse(conditionsJson);
        return Matches(doc.RootElement, item);
    }

    /// <summary>Whether <paramref name="item"/> meets every condition (every rule type shares them).</summary>
    public static bool Matches(JsonElement conditions, WorkItem item)
    {
        foreach (var condition in conditions.EnumerateObject())
        {
            var ok = condition.Name switch
            {
                "task_type" => AnyOf(condition.Value, item.Kind.Wire()),
                "priority" => AnyOf(condition.Value, item.Priority.Wire()),
                "environment" => item.Environment is not null && AnyOf(condition.Value, item.Environment),
                "source" => item.Source is not null && AnyOf(condition.Value, item.Source),
                "title_contains" => condition.Value.ValueKind == JsonValueKind.String
                    && item.Title.Contains(condition.Value.GetString()!, StringComparison.OrdinalIgnoreCase),
                "labels" => Labels(item).Any(label => AnyOf(condition.Value, label)),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static RuleEffect Effect(string actionsJson)
    {
        using var doc = JsonDocument.Parse(actionsJson);
        var root = doc.RootElement;
        return new RuleEffect(
            Priority(root, "set_priority"),
            Priority(root, "min_priority"),
            root.TryGetProperty("due_in_minutes", out var due) && due.ValueKind == JsonValueKind.Number && due.TryGetInt32(out var minutes) ? minutes : null,
            root.TryGetProperty("max_retries", out var retries) && retries.ValueKind == JsonValueKind.Number && retries.TryGetInt32(out var count) ? count : null,
            Flag(root, "auto_assign"),
            Flag(root, "open_github_issue"),
            root.TryGetProperty("max_run_minutes", out var run) && run.TryGetInt32(out var runMinutes) ? runMinutes : null,
            root.TryGetProperty("max_cost_usd", out var cost) && cost.TryGetDecimal(out var costUsd) ? costUsd : null);
    }

    /// <summary>What is wrong with a task_creation rule, field by field (empty when it is valid).</summary>
    public static IEnumerable<(string Field, string Message)> Validate(string conditionsJson, string actionsJson)
    {
        foreach (var problem in ValidateConditions(conditionsJson, "task_creation"))
        {
            yield return problem;
        }

        using var actions = JsonDocument.Parse(actionsJson);
        foreach (var a in actions.RootElement.EnumerateObject())
        {
            var message = a.Name switch
            {
                "set_priority" or "min_priority" => Priority(actions.RootElement, a.Name) is null ? $"{a.Name} must be one of {WireFormat.Allowed<WorkItemPriority>()}" : null,
                "due_in_minutes" => a.Value.ValueKind == JsonValueKind.Number && a.Value.TryGetInt32(out var m) && m is > 0 and <= 525_600 ? null : "due_in_minutes must be a whole number from 1 to 525600",
                "max_retries" => a.Value.ValueKind == JsonValueKind.Number && a.Value.TryGetInt32(out var r) && r is >= 0 and <= 20 ? null : "max_retries must be a whole number from 0 to 20",
                "max_run_minutes" => a.Value.ValueKind == JsonValueKind.Number && a.Value.TryGetInt32(out var run) && run is >= 1 and <= WorkItem.MaxRunMinutesLimit ? null : $"max_run_minutes must be a whole number from 1 to {WorkItem.MaxRunMinutesLimit}",
                "max_cost_usd" => a.Value.ValueKind == JsonValueKind.Number && a.Value.TryGetDecimal(out var cost) && cost is > 0 and <= 1_000_000m ? null : "max_cost_usd must be a number of US dollars greater than 0 up to 1000000",
                "auto_assign" or "open_github_issue" => a.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{a.Name} must be true or false",
                _ => $"unknown action '{a.Name}'; task_creation rules understand {string.Join(", ", ActionKeys)}",
            };
            if (message is not null)
            {
                yield return ("actions", message);
            }
        }
    }

    /// <summary>What is wrong with the trigger_conditions of a rule (every rule type shares them).</summary>
    public static IEnumerable<(string Field, string Message)> ValidateConditions(string conditionsJson, string ruleType)
    {
        using var conditions = JsonDocument.Parse(conditionsJson);
        foreach (var c in conditions.RootElement.EnumerateObject())
        {
            if (!ConditionKeys.Contains(c.Name))
            {
                yield return ("trigger_conditions", $"unknown condition '{c.Name}'; {ruleType} rules understand {string.Join(", ", ConditionKeys)}");
            }
            else if (c.Name == "title_contains" ? c.Value.ValueKind != JsonValueKind.String : !IsStringOrList(c.Value))
            {
                yield return ("trigger_conditions", $"{c.Name} must be {(c.Name == "title_contains" ? "a string" : "a string or a list of strings")}");
            }
            else if (c.Name != "title_contains" && NeverMatches(c.Name, c.Value) is { } message)
            {
                yield return ("trigger_conditions", message);
            }
        }
    }

    /// <summary>Why a condition's values could match no task (none listed, an empty one, a type or priority that does not exist); null when they can.</summary>
    private static string? NeverMatches(string name, JsonElement value)
    {
        var values = value.ValueKind == JsonValueKind.String ? [value.GetString()!] : value.EnumerateArray().Select(v => v.GetString()!).ToList();
        if (values.Count == 0)
        {
            return $"{name} lists no values, so the rule could never match; name at least one, or leave the condition out to match every task";
        }

        if (values.Any(string.IsNullOrWhiteSpace))
        {
            return $"{name} has an empty value, which no task has; name a value, or leave the condition out to match every task";
        }

        var (unknown, what, allowed) = name switch
        {
            "task_type" => (values.FirstOrDefault(v => !IsWireName<WorkItemKind>(v)), "task type", WireFormat.Allowed<WorkItemKind>()),
            "priority" => (values.FirstOrDefault(v => !IsWireName<WorkItemPriority>(v)), "priority", WireFormat.Allowed<WorkItemPriority>()),
            _ => (null, "", ""),
        };
        return unknown is null ? null : $"{name} '{unknown}' is not a {what}, so it could never match; one of {allowed}";
    }

    /// <summary>Whether <paramref name="text"/> is one of the enum's wire names as a condition compares them: any case, and no spaces around it (a parse would trim them).</summary>
    private static bool IsWireName<TEnum>(string text)
        where TEnum : struct, Enum => text.Length == text.Trim().Length && WireFormat.TryParse<TEnum>(text, out _);

    /// <summary>The issue labels of a task that came from an issue (input_data.labels: names, or objects with a name).</summary>
    public static IEnumerable<string> Labels(WorkItem item)
    {
        if (!item.InputData.Contains("\"labels\"", StringComparison.Ordinal))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(item.InputData);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return labels.EnumerateArray()
                .Select(l => l.ValueKind == JsonValueKind.String ? l.GetString()
                    : l.ValueKind == JsonValueKind.Object && l.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                .OfType<string>().ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    internal static bool IsStringOrList(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
        || (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String));

    private static bool AnyOf(JsonElement value, string actual) => value.ValueKind switch
    {
        JsonValueKind.String => string.Equals(value.GetString(), actual, StringComparison.OrdinalIgnoreCase),
        JsonValueKind.Array => value.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && string.Equals(v.GetString(), actual, StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    private static bool? Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static WorkItemPriority? Priority(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && WireFormat.TryParse<WorkItemPriority>(value.GetString(), out var p) ? p : null;
}
