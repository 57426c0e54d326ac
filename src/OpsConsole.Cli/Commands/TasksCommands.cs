using System.CommandLine;
using System.Text.Json.Nodes;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Commands;

/// <summary><c>opsctl tasks list|show|retry|escalate|cancel|complete</c>: triage from a terminal.</summary>
public static class TasksCommands
{
    private static readonly string[] Statuses = ["pending", "assigned", "in_progress", "blocked", "review", "completed", "failed", "cancelled", "escalated"];

    public static Command Build(CliEnvironment env)
    {
        var tasks = new Command("tasks", "List, inspect and triage tasks");
        tasks.Add(List(env));
        tasks.Add(ShowCommand(env));
        tasks.Add(Action(env, "retry", "Retry a failed task now (on another agent if one fits)", hasReason: false));
        tasks.Add(Action(env, "escalate", "Escalate a task: level +1, priority one step up", hasReason: true));
        tasks.Add(Action(env, "cancel", "Cancel a task for good", hasReason: true));
        tasks.Add(Action(env, "complete", "Mark a task completed by hand", hasReason: true));
        return tasks;
    }

    private static Command List(CliEnvironment env)
    {
        var status = new Option<string>("--status")
        {
            Description = $"Only these statuses, comma-separated: {string.Join(", ", Statuses)}",
        };
        var limit = new Option<int>("--limit") { Description = "At most this many tasks (1–100)", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print the list as JSON" };
        var command = new Command("list", "Tasks, most urgent first") { status, limit, json };
        command.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            var wanted = parse.GetValue(status);
            var query = $"tasks/?ordering=-priority,-created_on&page_size={CheckLimit(parse.GetValue(limit))}";
            if (!string.IsNullOrWhiteSpace(wanted))
            {
                var parts = wanted.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = parts.Where(p => !Statuses.Contains(p)).ToList();
                if (unknown.Count > 0)
                {
                    throw new UsageException($"--status '{string.Join(",", unknown)}' is not a task status; allowed: {string.Join(", ", Statuses)}");
                }

                query += "&status__in=" + Uri.EscapeDataString(string.Join(',', parts));
            }

            using var api = CliApp.OperatorApi(env);
            var page = await api.GetAsync(query, ct);
            if (parse.GetValue(json))
            {
                Show.Json(env.Out, page["results"]);
                return ExitCodes.Ok;
            }

            WriteList(env.Out, new Style(env.Color), page["results"]?.AsArray() ?? [], Show.Int(page, "count"));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static int CheckLimit(int limit) => limit is >= 1 and <= 100
        ? limit
        : throw new UsageException($"--limit must be from 1 to 100 (got {limit})");

    public static void WriteList(TextWriter o, Style style, JsonArray tasks, int total)
    {
        if (tasks.Count == 0)
        {
            o.WriteLine("No tasks.");
            return;
        }

        var table = new Table("ID", "PRIORITY", "STATUS", "TYPE", "AGENT", "RETRIES", "CREATED", "TITLE");
        foreach (var task in tasks)
        {
            var status = Show.Text(task, "status");
            var note = Show.Bool(task, "needs_attention") ? " !" : "";
            table.Add(
                Show.Text(task, "id"),
                (Show.Text(task, "priority"), Style.CodeFor(Show.Text(task, "priority"))),
                (status + note, Style.CodeFor(status)),
                Show.Text(task, "task_type"),
                Show.Text(task, "assigned_agent_name") is { Length: > 0 } agent ? agent : "-",
                Show.Int(task, "retry_count"),
                Show.Time(task, "created_on"),
                Show.Cut(Show.Text(task, "title"), 60));
        }

        table.WriteTo(o, style);
        if (total > tasks.Count)
        {
            o.WriteLine(style.Dim($"{tasks.Count} of {total} shown; narrow with --status or raise --limit."));
        }
    }

    private static Command ShowCommand(CliEnvironment env)
    {
        var id = new Argument<string>("id") { Description = "The task's id (a UUID)" };
        var json = new Option<bool>("--json") { Description = "Print the task as JSON" };
        var command = new Command("show", "One task in detail, with its latest execution log") { id, json };
        command.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            var taskId = TaskId(parse.GetValue(id));
            using var api = CliApp.OperatorApi(env);
            var task = await api.GetAsync($"tasks/{taskId}/", ct);
            var logs = await api.GetAsync($"tasks/{taskId}/execution_logs/", ct);
            if (parse.GetValue(json))
            {
                var both = task.DeepClone().AsObject();
                both["execution_logs"] = logs.DeepClone();
                Show.Json(env.Out, both);
                return ExitCodes.Ok;
            }

            WriteDetail(env.Out, new Style(env.Color), task, logs.AsArray());
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void WriteDetail(TextWriter o, Style style, JsonNode task, JsonArray logs)
    {
        void Field(string label, string value)
        {
            if (value.Length > 0)
            {
                o.WriteLine($"  {label,-16}{value}");
            }
        }

        o.WriteLine(style.Bold(Show.Text(task, "title")));
        Field("id", Show.Text(task, "id"));
        Field("status", style.Word(Show.Text(task, "status")) + (Show.Bool(task, "needs_attention") ? "  " + style.Bad("needs attention: " + Show.Text(task, "attention_reason")) : ""));
        Field("priority", style.Word(Show.Text(task, "priority")));
        Field("type", Show.Text(task, "task_type"));
        Field("agent", Show.Text(task, "assigned_agent_name"));
        Field("environment", Show.Text(task, "environment"));
        Field("retries", $"{Show.Int(task, "retry_count")}/{Show.Int(task, "max_retries")}, escalation level {Show.Int(task, "escalation_level")}");
        Field("created", Show.Time(task, "created_on"));
        Field("due", Show.Time(task, "due_date") + (Show.Bool(task, "is_overdue") ? " " + style.Bad("(overdue)") : ""));
        Field("started", Show.Time(task, "started_at"));
        Field("completed", Show.Time(task, "completed_at"));
        Field("next attempt", Show.Time(task, "next_attempt_at"));
        Field("github issue", Show.Text(task, "github_issue_url"));
        if (Show.Text(task, "error_details") is { Length: > 0 } error)
        {
            o.WriteLine("  error:");
            foreach (var line in error.Split('\n').Take(20))
            {
                o.WriteLine($"    {line.TrimEnd()}");
            }
        }

        if (task["output_data"] is JsonObject { Count: > 0 } output)
        {
            o.WriteLine($"  output:         {Show.Cut(output.ToJsonString(), 300)}");
        }

        if (logs.Count > 0)
        {
            o.WriteLine();
            var table = new Table("TIME", "LEVEL", "STEP", "BY", "MESSAGE");
            foreach (var entry in logs.Take(15).Reverse())
            {
                var level = Show.Text(entry, "log_level");
                table.Add(Show.Time(entry, "created_on"), (level, level is "ERROR" or "CRITICAL" ? "31" : level == "WARNING" ? "33" : null),
                    Show.Text(entry, "step_name"), Show.Text(entry, "actor"), Show.Cut(Show.Text(entry, "message"), 100));
            }

            table.WriteTo(o, style);
        }
    }

    private static Command Action(CliEnvironment env, string action, string description, bool hasReason)
    {
        var id = new Argument<string>("id") { Description = "The task's id (a UUID)" };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the task's log)" };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON" };
        var command = new Command(action, description) { id, json };
        if (hasReason)
        {
            command.Add(reason);
        }

        command.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            var taskId = TaskId(parse.GetValue(id));
            var why = hasReason ? parse.GetValue(reason) : null;
            JsonObject body = action switch
            {
                "complete" => new JsonObject { ["output_data"] = new JsonObject { ["completed_by"] = "opsctl", ["reason"] = why } },
                _ when why is not null => new JsonObject { ["reason"] = why },
                _ => new JsonObject(),
            };
            using var api = CliApp.OperatorApi(env);
            var answer = await api.PostAsync($"tasks/{taskId}/{action}/", body.ToJsonString(), ct);
            if (parse.GetValue(json))
            {
                Show.Json(env.Out, answer);
                return ExitCodes.Ok;
            }

            var task = answer["task"] ?? answer;
            var style = new Style(env.Color);
            var message = Show.Text(answer, "message") is { Length: > 0 } m ? m : $"Task {action} done";
            var agent = Show.Text(task, "assigned_agent_name");
            env.Out.WriteLine($"{message}: {Show.Text(task, "title")}");
            env.Out.WriteLine($"  now {style.Word(Show.Text(task, "status"))}, priority {style.Word(Show.Text(task, "priority"))}" +
                (agent.Length > 0 ? $", agent {agent}" : ""));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Guid TaskId(string? text) => Guid.TryParse(text, out var id)
        ? id
        : throw new UsageException($"'{text}' is not a task id; task ids are UUIDs (see: opsctl tasks list)");
}
