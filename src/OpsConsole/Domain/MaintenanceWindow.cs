using System.Text.Json;

namespace OpsConsole.Domain;

/// <summary>
/// A maintenance window: an active rule of rule_type "monitoring" whose actions hold <c>{"maintenance": true}</c> and whose
/// trigger_conditions say where and when: <c>{"environment": "production" | [...], "source": "deployment_log" | [...],
/// "starts_at": ISO-8601, "ends_at": ISO-8601}</c> (every key optional; no environment or source means all). While a
/// window matches, failures are recorded but create no task and add no occurrence.
/// </summary>
public sealed record MaintenanceWindow(
    Guid RuleId,
    string Name,
    IReadOnlyList<string>? Environments,
    IReadOnlyList<string>? Sources,
    DateTime? StartsAt,
    DateTime? EndsAt)
{
    public static readonly string[] ConditionKeys = ["environment", "source", "starts_at", "ends_at"];

    /// <summary>The window a rule describes, or null when it is not a maintenance rule; <paramref name="problem"/> says what is wrong with a broken one.</summary>
    public static MaintenanceWindow? From(Guid ruleId, string name, string conditionsJson, string actionsJson, out string? problem)
    {
        problem = null;
        try
        {
            using var actions = JsonDocument.Parse(actionsJson);
            if (actions.RootElement.ValueKind != JsonValueKind.Object
                || !actions.RootElement.TryGetProperty("maintenance", out var flag) || flag.ValueKind != JsonValueKind.True)
            {
                return null;
            }

            using var conditions = JsonDocument.Parse(conditionsJson);
            var root = conditions.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "trigger_conditions must be an object";
                return null;
            }

            var environments = Strings(root, "environment", ref problem);
            var sources = Strings(root, "source", ref problem);
            var starts = Time(root, "starts_at", ref problem);
            var ends = Time(root, "ends_at", ref problem);
            if (problem is not null)
            {
                return null;
            }

            return new MaintenanceWindow(ruleId, name, environments?.Select(e => EnvironmentNames.Normalize(e)).ToList(), sources, starts, ends);
        }
        catch (JsonException ex)
        {
            problem = $"not valid JSON ({ex.Message})";
            return null;
        }
    }

    public bool IsOpen(DateTime now) => (StartsAt is null || now >= StartsAt) && (EndsAt is null || now < EndsAt);

    public bool Covers(FailureReport report, DateTime now) =>
        IsOpen(now)
        && (Environments is null || Environments.Contains(report.Environment, StringComparer.OrdinalIgnoreCase))
        && (Sources is null || Sources.Contains(report.Channel, StringComparer.OrdinalIgnoreCase)
            || (report.ReportedSource is { } reported && Sources.Contains(reported, StringComparer.OrdinalIgnoreCase)));

    private static List<string>? Strings(JsonElement root, string key, ref string? problem)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
        {
            return value.EnumerateArray().Select(v => v.GetString()!).ToList();
        }

        problem ??= $"{key} must be a string or a list of strings";
        return null;
    }

    private static DateTime? Time(JsonElement root, string key, ref string? problem)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && LogTimestamps.TryParse(value.GetString(), null, out var at))
        {
            return at;
        }

        problem ??= $"{key} must be an ISO-8601 timestamp such as 2026-11-25T22:00:00Z";
        return null;
    }
}
