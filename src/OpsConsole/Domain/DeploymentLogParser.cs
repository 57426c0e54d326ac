using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>How a deployment log is written.</summary>
public enum DeploymentLogFormat
{
    /// <summary>One record a line: JSON Lines objects or plain text (both may be mixed).</summary>
    Lines,

    /// <summary>One JSON document, <c>{"deployments": […]}</c> or a bare list of entries, rewritten as a whole.</summary>
    Document,
}

/// <summary>What one line of the log turned out to be.</summary>
public sealed record ParsedLine(DeploymentEntry? Entry, string? Error, IReadOnlyList<string> Warnings)
{
    public static ParsedLine Blank { get; } = new(null, null, []);

    public bool IsBlank => Entry is null && Error is null;
}

/// <summary>The entries of a JSON document log, each with its position, and the entries that could not be read.</summary>
public sealed record ParsedDocument(IReadOnlyList<DeploymentEntry?> Entries, IReadOnlyList<string> Problems, string? Error);

/// <summary>
/// Parses deployment logs in the three shapes they come in. The original read only the JSON document while the real
/// orchestrator writes JSON Lines (reference §6); this reads both, plus plain text, and never lets one bad line stop the rest.
/// </summary>
public static partial class DeploymentLogParser
{
    public const int MaxLineLength = 1024 * 1024;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64, AllowTrailingCommas = true };

    [GeneratedRegex(@"^\s*\[?(?<ts>" + LogTimestamps.LeadingPattern + @")\]?\s*(?:[-|:]\s*)?", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingTimestamp();

    [GeneratedRegex(@"^\[?(?<level>DEBUG|TRACE|INFO|NOTICE|SUCCESS|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|ALERT|EMERG|EMERGENCY)\]?(?:\s*[-:|]\s*|\s+|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LeadingLevel();

    [GeneratedRegex(@"(?:\bdeployment[_ -]?id|\bdeploy[_-]?id)\s*[=:#]\s*['""]?(?<id>[A-Za-z0-9][\w.:-]{0,99})|\[(?<id>deploy[\w.:-]{0,95})\]|\b(?<id>deploy(?:ment)?[-_][A-Za-z0-9][\w.-]{0,90})\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DeploymentIdInText();

    [GeneratedRegex(@"\b(?:failed_step|step)\s*[=:]\s*['""]?(?<step>[\w.:/-]{1,100})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StepInText();

    [GeneratedRegex(@"\b(?:env|environment)\s*[=:]\s*['""]?(?<env>[A-Za-z0-9][\w.-]{0,49})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex EnvironmentInText();

    [GeneratedRegex(@"\bexit(?:[_ ]code|[_ ]status)?\s*[=:]?\s*(?<code>-?\d{1,5})\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ExitCodeInText();

    /// <summary>
    /// The format, from the start of the file: a first line that is a whole JSON object without "deployments" means JSON
    /// Lines; a file that opens a JSON object or list otherwise is a document.
    /// </summary>
    public static DeploymentLogFormat DetectFormat(string head)
    {
        var text = head.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.Length == 0 || text[0] is not ('{' or '['))
        {
            return DeploymentLogFormat.Lines;
        }

        if (text[0] == '[')
        {
            return DeploymentLogFormat.Document;
        }

        var newline = text.IndexOf('\n');
        var firstLine = newline < 0 ? text : text[..newline];
        try
        {
            return JsonNode.Parse(firstLine, documentOptions: JsonOptions) is JsonObject obj && !obj.ContainsKey("deployments")
                ? DeploymentLogFormat.Lines
                : DeploymentLogFormat.Document;
        }
        catch (JsonException)
        {
            // "{" alone on the first line (a pretty-printed document) or a document still being written.
            return newline < 0 && !text.Contains("\"deployments\"", StringComparison.Ordinal) ? DeploymentLogFormat.Lines : DeploymentLogFormat.Document;
        }
    }

    /// <summary>One line of a JSON Lines or plain-text log. Blank lines are neither entries nor errors.</summary>
    public static ParsedLine ParseLine(string line, TimeZoneInfo? zone)
    {
        var text = line.TrimEnd('\r').Trim().TrimStart('\uFEFF');
        if (text.Length == 0)
        {
            return ParsedLine.Blank;
        }

        if (text.Length > MaxLineLength)
        {
            return new(null, $"the line is {text.Length} characters long; at most {MaxLineLength} are read", []);
        }

        if (text[0] == '{')
        {
            return ParseJsonLine(text, zone);
        }

        return new(ParseTextLine(text, zone), null, []);
    }

    /// <summary>The whole JSON document: <c>{"deployments": […]}</c> or a bare list of entries.</summary>
    public static ParsedDocument ParseDocument(string text, TimeZoneInfo? zone)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text.TrimStart('\uFEFF'), documentOptions: JsonOptions);
        }
        catch (JsonException ex)
        {
            return new([], [], $"the JSON document does not parse ({ex.Message})");
        }

        var list = root switch
        {
            JsonObject obj when obj["deployments"] is JsonArray deployments => deployments,
            JsonArray array => array,
            JsonObject => null,
            _ => null,
        };
        if (list is null)
        {
            return new([], [], "the JSON document has no \"deployments\" list");
        }

        var entries = new List<DeploymentEntry?>(list.Count);
        var problems = new List<string>();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject item)
            {
                entries.Add(null);
                problems.Add($"deployments[{i}] is {JsonKinds.Describe(list[i])}, not an entry object");
                continue;
            }

            var errors = new List<FieldError>();
            var warnings = new List<string>();
            var entry = DeploymentEntryReader.Read(item, $"deployments[{i}].", zone, strictTimestamp: false, errors, warnings);
            entries.Add(entry);
            problems.AddRange(errors.Select(e => e.Message));
            problems.AddRange(warnings.Select(w => $"deployments[{i}]: {w}"));
        }

        return new(entries, problems, null);
    }

    private static ParsedLine ParseJsonLine(string text, TimeZoneInfo? zone)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: JsonOptions);
        }
        catch (JsonException ex)
        {
            return new(null, $"not valid JSON ({ex.Message})", []);
        }

        if (node is not JsonObject obj)
        {
            return new(null, $"a JSON line must be an object, not {JsonKinds.Describe(node)}", []);
        }

        var errors = new List<FieldError>();
        var warnings = new List<string>();
        var entry = DeploymentEntryReader.Read(obj, "", zone, strictTimestamp: false, errors, warnings);
        return entry is null
            ? new(null, string.Join("; ", errors.Select(e => e.Message)), warnings)
            : new(entry, null, warnings);
    }

    /// <summary>
    /// A plain-text line such as <c>2026-11-25 09:14:02 ERROR [deploy-42] step=migrate: connection refused</c>: an optional
    /// timestamp, an optional level, and the message, in which a deployment id, step, environment and exit code are looked for.
    /// </summary>
    public static DeploymentEntry ParseTextLine(string text, TimeZoneInfo? zone)
    {
        DateTime? timestamp = null;
        var rest = text;
        var ts = LeadingTimestamp().Match(rest);
        if (ts.Success && LogTimestamps.TryParse(ts.Groups["ts"].Value, zone, out var at))
        {
            timestamp = at;
            rest = rest[ts.Length..];
        }

        string? level = null;
        var lv = LeadingLevel().Match(rest);
        if (lv.Success)
        {
            level = Canonical(lv.Groups["level"].Value);
            rest = rest[lv.Length..];
        }

        rest = rest.Trim();
        var id = DeploymentIdInText().Match(rest);
        var step = StepInText().Match(rest);
        var environment = EnvironmentInText().Match(rest);
        var exit = ExitCodeInText().Match(rest);
        var isError = FailureDetector.IsErrorLevel(level);
        var message = rest.Length > DeploymentEntryReader.MaxMessageLength ? rest[..DeploymentEntryReader.MaxMessageLength] + "…" : rest;
        return new DeploymentEntry
        {
            Timestamp = timestamp,
            Level = level,
            Message = message,
            ErrorMessage = isError ? message : null,
            Logs = [new DeploymentLogLine(level, message)],
            DeploymentId = id.Success ? id.Groups["id"].Value.TrimEnd('.', ':', '-') : null,
            Step = step.Success ? step.Groups["step"].Value.TrimEnd(':', '.', ',', ';') : null,
            Environment = environment.Success && EnvironmentNames.IsValid(environment.Groups["env"].Value) ? environment.Groups["env"].Value : null,
            ExitCode = exit.Success && int.TryParse(exit.Groups["code"].Value, out var code) ? code : null,
        };
    }

    /// <summary>Level names as one spelling each: WARN → WARNING, ERR → ERROR, CRIT/ALERT/EMERG → CRITICAL.</summary>
    public static string Canonical(string level) => level.ToUpperInvariant() switch
    {
        "WARN" => "WARNING",
        "ERR" => "ERROR",
        "CRIT" or "ALERT" or "EMERG" or "EMERGENCY" => "CRITICAL",
        "TRACE" => "DEBUG",
        var other => other,
    };
}
