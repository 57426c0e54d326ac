using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Domain;

/// <summary>One line of a deployment entry's own log (<c>logs: [{level, message}]</c>).</summary>
public sealed record DeploymentLogLine(string? Level, string Message);

/// <summary>
/// One deployment-log entry, whatever shape it came in: an entry of the JSON document <c>{"deployments": […]}</c> with the
/// keys of reference §6, a JSON Lines record <c>{timestamp, level, message, deployment_id, step}</c> as the real
/// orchestrator writes, a plain-text line, or a failure posted to the API (the same keys plus environment and source).
/// </summary>
public sealed record DeploymentEntry
{
    public DateTime? Timestamp { get; init; }
    public string? DeploymentId { get; init; }
    public string? Status { get; init; }
    public bool? Success { get; init; }

    /// <summary>The exit code when one was given (a number, or a numeric string such as "0").</summary>
    public int? ExitCode { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>failed_step, else current_step, else step.</summary>
    public string? Step { get; init; }
    public string? Hostname { get; init; }
    public string? Domain { get; init; }
    public string? DeploymentMethod { get; init; }
    public string? GitBranch { get; init; }
    public string? GitCommit { get; init; }
    public string? User { get; init; }
    public string? Duration { get; init; }

    /// <summary>The record's own level and message (JSON Lines and text lines).</summary>
    public string? Level { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<DeploymentLogLine> Logs { get; init; } = [];
    public string? Environment { get; init; }
    public string? Source { get; init; }

    /// <summary>A link to the failed run or deployment (webhooks).</summary>
    public string? Url { get; init; }
}

/// <summary>A field of an incoming entry that could not be read, named as the client wrote it.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Reads a JSON object into a <see cref="DeploymentEntry"/>, naming every field of the wrong type.</summary>
public static class DeploymentEntryReader
{
    public const int MaxIdLength = 100;
    public const int MaxShortText = 500;
    public const int MaxMessageLength = 20_000;
    public const int MaxLogLines = 200;

    private static readonly string[] ShortFields = ["status", "failed_step", "current_step", "step", "server", "hostname", "domain", "deployment_method", "git_branch", "git_commit", "user", "duration", "level", "environment", "source", "url"];

    /// <summary>
    /// The entry, or null with <paramref name="errors"/> saying why. A timestamp that cannot be read is an error when
    /// <paramref name="strictTimestamp"/> is set (the API), otherwise a warning and the entry goes on without a time (the log).
    /// </summary>
    public static DeploymentEntry? Read(JsonObject json, string prefix, TimeZoneInfo? zone, bool strictTimestamp, List<FieldError> errors, List<string>? warnings = null)
    {
        var before = errors.Count;
        string Name(string field) => prefix + field;

        string? Text(string field, int max, bool truncate = false)
        {
            if (!json.TryGetPropertyValue(field, out var node) || node is null)
            {
                return null;
            }

            var text = JsonText.Read(node, Name(field), max, out var error, numbers: true, clip: truncate);
            if (text is null)
            {
                errors.Add(new(Name(field), error!));
                return null;
            }

            return text.Length == 0 ? null : text;
        }

        var deploymentId = Text("deployment_id", MaxIdLength) ?? Text("id", MaxIdLength);
        var shorts = ShortFields.ToDictionary(f => f, f => Text(f, MaxShortText, truncate: f is not ("status" or "environment" or "source" or "level")));

        if (shorts["environment"] is { } environment && !EnvironmentNames.IsValid(environment))
        {
            errors.Add(new(Name("environment"), $"{Name("environment")} '{Shorten(environment)}' is not an environment name; use 1 to 50 letters, digits, '-', '_' or '.' (e.g. production, staging)"));
        }

        bool? success = null;
        if (json.TryGetPropertyValue("success", out var successNode) && successNode is not null)
        {
            if (successNode is JsonValue sv && sv.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                success = sv.GetValue<bool>();
            }
            else if (successNode is JsonValue ss && ss.GetValueKind() == JsonValueKind.String && bool.TryParse(ss.GetValue<string>().Trim(), out var parsed))
            {
                success = parsed;
            }
            else
            {
                errors.Add(new(Name("success"), $"{Name("success")} must be true or false, not {JsonKinds.Describe(successNode)}"));
            }
        }

        int? exitCode = null;
        if (json.TryGetPropertyValue("exit_code", out var exitNode) && exitNode is not null)
        {
            if (exitNode is JsonValue ev && ev.GetValueKind() == JsonValueKind.Number && ev.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                exitCode = (int)d;
            }
            else if (exitNode is JsonValue es && es.GetValueKind() == JsonValueKind.String
                && int.TryParse(es.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
            {
                exitCode = code;
            }
            else if (!(exitNode is JsonValue blank && blank.GetValueKind() == JsonValueKind.String && blank.GetValue<string>().Trim().Length == 0))
            {
                errors.Add(new(Name("exit_code"), $"{Name("exit_code")} must be a whole number (or a numeric string such as \"0\"), not {JsonKinds.Describe(exitNode)}"));
            }
        }

        DateTime? timestamp = null;
        if (json.TryGetPropertyValue("timestamp", out var timeNode) && timeNode is not null)
        {
            string? problem = null;
            if (timeNode is JsonValue tv && tv.GetValueKind() == JsonValueKind.String)
            {
                var text = tv.GetValue<string>();
                if (LogTimestamps.TryParse(text, zone, out var at))
                {
                    timestamp = at;
                }
                else if (text.Trim().Length > 0)
                {
                    problem = $"{Name("timestamp")} '{Shorten(text)}' is not a timestamp; use ISO-8601 such as 2026-11-25T09:14:02Z, 2026-11-25T09:14:02+01:00 or 2026-11-25 09:14:02";
                }
            }
            else if (timeNode is JsonValue tn && tn.GetValueKind() == JsonValueKind.Number && tn.TryGetValue<double>(out var unix) && LogTimestamps.TryFromUnix(unix, out var fromUnix))
            {
                timestamp = fromUnix;
            }
            else
            {
                problem = $"{Name("timestamp")} must be an ISO-8601 string or unix seconds, not {JsonKinds.Describe(timeNode)}";
            }

            if (problem is not null)
            {
                if (strictTimestamp)
                {
                    errors.Add(new(Name("timestamp"), problem));
                }
                else
                {
                    warnings?.Add(problem + "; the entry is read without its time");
                }
            }
        }

        var message = Text("message", MaxMessageLength, truncate: true);
        var errorMessage = Text("error_message", MaxMessageLength, truncate: true);
        var logs = ReadLogs(json, Name("logs"), errors);
        var level = shorts["level"] is { } levelText ? DeploymentLogParser.Canonical(levelText) : null;
        if (logs.Count == 0 && message is not null)
        {
            // A JSON Lines record is its own one-line log.
            logs.Add(new DeploymentLogLine(level, message));
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new DeploymentEntry
        {
            Timestamp = timestamp,
            DeploymentId = deploymentId,
            Status = shorts["status"],
            Success = success,
            ExitCode = exitCode,
            ErrorMessage = errorMessage,
            Step = shorts["failed_step"] ?? shorts["current_step"] ?? shorts["step"],
            Hostname = shorts["server"] ?? shorts["hostname"],
            Domain = shorts["domain"],
            DeploymentMethod = shorts["deployment_method"],
            GitBranch = shorts["git_branch"],
            GitCommit = shorts["git_commit"],
            User = shorts["user"],
            Duration = shorts["duration"],
            Level = level,
            Message = message,
            Logs = logs,
            Environment = shorts["environment"],
            Source = shorts["source"],
            Url = shorts["url"],
        };
    }

    private static List<DeploymentLogLine> ReadLogs(JsonObject json, string field, List<FieldError> errors)
    {
        if (!json.TryGetPropertyValue("logs", out var node) || node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            errors.Add(new(field, $"{field} must be a list of {{level, message}} objects, not {JsonKinds.Describe(node)}"));
            return [];
        }

        var lines = new List<DeploymentLogLine>();
        for (var i = 0; i < array.Count; i++)
        {
            switch (array[i])
            {
                case JsonObject line:
                    var level = line.TryGetPropertyValue("level", out var l) && l is JsonValue lv && lv.GetValueKind() == JsonValueKind.String ? lv.GetValue<string>().Trim().ToUpperInvariant() : null;
                    var message = line.TryGetPropertyValue("message", out var m) && m is JsonValue mv && mv.GetValueKind() == JsonValueKind.String ? mv.GetValue<string>() : null;
                    if (message is null)
                    {
                        errors.Add(new($"{field}[{i}].message", $"{field}[{i}].message must be a string"));
                        return [];
                    }

                    lines.Add(new(level, message.Length > MaxMessageLength ? message[..MaxMessageLength] + "…" : message));
                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    lines.Add(new(null, value.GetValue<string>()));
                    break;
                default:
                    errors.Add(new($"{field}[{i}]", $"{field}[{i}] must be a {{level, message}} object or a string, not {JsonKinds.Describe(array[i])}"));
                    return [];
            }
        }

        // The end of a long log is where a deployment fails.
        return lines.Count > MaxLogLines ? lines[^MaxLogLines..] : lines;
    }

    private static string Shorten(string text) => text.Clip(40);

}
