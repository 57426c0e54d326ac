using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Commands;

/// <summary><c>opsctl monitor [--once] [--json]</c>: a snapshot, then tasks, agents and health live from the hub until Ctrl-C.</summary>
public static class MonitorCommand
{
    private const string OpenStatuses = "pending,assigned,in_progress,blocked,review,escalated,failed";

    public static Command Build(CliEnvironment env)
    {
        var once = new Option<bool>("--once") { Description = "Print one snapshot and exit" };
        var json = new Option<bool>("--json") { Description = "Print the snapshot as JSON, then one JSON line per event" };
        var command = new Command("monitor", "Follow tasks, agents and health live until Ctrl-C (reconnects by itself)") { once, json };
        command.SetAction((parse, ct) => CliApp.GuardAsync(env, () => RunAsync(env, parse.GetValue(once), parse.GetValue(json), ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliEnvironment env, bool once, bool asJson, CancellationToken cancellationToken)
    {
        using var api = CliApp.OperatorApi(env);
        var output = TextWriter.Synchronized(env.Out);
        var style = new Style(env.Color);
        await SnapshotAsync(api, output, style, asJson, cancellationToken);
        if (once)
        {
            return ExitCodes.Ok;
        }

        await using var hub = HubLink.Create(env.Url, env.ApiKey!);
        var view = new LiveView(output, style, asJson);
        hub.On<JsonElement>("TaskChanged", e => view.Task(Node(e)));
        hub.On<JsonElement>("AgentChanged", e => view.Agent(Node(e)));
        hub.On<JsonElement>("HealthChanged", e => view.Health(Node(e)));
        hub.On<JsonElement>("IssueLinked", e => view.Issue(Node(e)));
        hub.Reconnecting += error =>
        {
            view.Note($"connection to {env.Url} lost ({error?.Message ?? "closed"}); reconnecting…");
            return Task.CompletedTask;
        };
        hub.Reconnected += _ =>
        {
            view.Note("reconnected; changes made while away are not replayed (run opsctl monitor --once for a fresh snapshot)");
            return Task.CompletedTask;
        };

        await HubLink.StartAsync(hub, env.Url, cancellationToken);
        view.Note($"following {env.Url}{HubLink.Path}; Ctrl-C to stop");
        try
        {
            // The automatic reconnect retries for ever; should the connection close anyway, start it again.
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                if (hub.State == HubConnectionState.Disconnected)
                {
                    try
                    {
                        await hub.StartAsync(cancellationToken);
                        view.Note("reconnected");
                    }
                    catch (HttpRequestException)
                    {
                        // Still down: try again at the next turn.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        view.Note("stopped");
        return ExitCodes.Ok;
    }

    private static JsonNode? Node(JsonElement e) => JsonNode.Parse(e.GetRawText());

    private static async Task SnapshotAsync(OpsApi api, TextWriter o, Style style, bool asJson, CancellationToken cancellationToken)
    {
        var status = await StatusCommand.LoadAsync(api, cancellationToken);
        var tasks = await api.GetAsync($"tasks/?status__in={OpenStatuses}&ordering=-priority,-created_on&page_size=30", cancellationToken);
        if (asJson)
        {
            o.WriteLine(new JsonObject { ["event"] = "Snapshot", ["status"] = status, ["open_tasks"] = tasks["results"]?.DeepClone() }.ToJsonString(OpsApi.Json));
            return;
        }

        var orchestration = status["orchestration"];
        o.WriteLine($"{style.Bold("OpsConsole")} {Show.Time(status, "timestamp")}  health {style.Word(Show.Text(orchestration?["system_health"], "status"))}" +
            (Show.Bool(status, "demo") ? "  " + style.Paint("[DEMO]", "33") : ""));
        o.WriteLine();
        o.WriteLine(style.Bold($"Open tasks ({Show.Int(tasks, "count")})"));
        TasksCommands.WriteList(o, style, tasks["results"]?.AsArray() ?? [], Show.Int(tasks, "count"));
        o.WriteLine();
        o.WriteLine(style.Bold("Agents"));
        var agents = new Table("AGENT", "STATUS", "TASKS", "SUCCESS");
        foreach (var agent in status["agents"]?.AsArray() ?? [])
        {
            agents.Add(Show.Text(agent, "name"), (Show.Text(agent, "status"), Style.CodeFor(Show.Text(agent, "status"))),
                $"{Show.Int(agent, "current_tasks")}/{Show.Int(agent, "max_tasks")}", Show.Percent(Show.Number(agent, "success_rate")));
        }

        agents.WriteTo(o, style);
        o.WriteLine();
    }

    /// <summary>Prints a line per change that matters: a new task, a task's status or agent, an agent's status or load.</summary>
    private sealed class LiveView(TextWriter o, Style style, bool asJson)
    {
        private readonly Dictionary<string, string> tasks = [];
        private readonly Dictionary<string, string> agents = [];
        private readonly Lock gate = new();

        public void Task(JsonNode? task)
        {
            var key = $"{Show.Text(task, "status")}|{Show.Text(task, "assigned_agent_name")}|{Show.Text(task, "priority")}|{Show.Int(task, "retry_count")}";
            if (!Changed(tasks, Show.Text(task, "id"), key))
            {
                return;
            }

            var status = Show.Text(task, "status");
            var agent = Show.Text(task, "assigned_agent_name");
            Write("TaskChanged", task, $"{Clock(task, "modified_on")}  task   {style.Word(Show.Text(task, "priority")),-9} {style.Word(status)}" +
                (agent.Length > 0 ? $" → {agent}" : "") + (Show.Text(task, "next_attempt_at") is { Length: > 0 } && status == "pending" ? $" (retry at {Show.Time(task, "next_attempt_at")})" : "") +
                $"  {Show.Cut(Show.Text(task, "title"), 70)}");
        }

        public void Agent(JsonNode? agent)
        {
            var key = $"{Show.Text(agent, "status")}|{Show.Int(agent, "current_task_count")}|{Show.Bool(agent, "is_active")}";
            if (!Changed(agents, Show.Text(agent, "id"), key))
            {
                return;
            }

            Write("AgentChanged", agent, $"{Clock(agent, "modified_on")}  agent  {Show.Text(agent, "name")} {style.Word(Show.Text(agent, "status"))} " +
                $"{Show.Int(agent, "current_task_count")}/{Show.Int(agent, "max_concurrent_tasks")}");
        }

        public void Health(JsonNode? health) =>
            Write("HealthChanged", health, $"{Clock(health, "at")}  health {style.Word(Show.Text(health, "status"))} {Show.Text(health, "message")}".TrimEnd());

        public void Issue(JsonNode? issue) =>
            Write("IssueLinked", issue, $"{DateTime.UtcNow:HH:mm:ss}  issue  #{Show.Text(issue, "github_issue_number")} for task {Show.Text(issue, "task_id")} {Show.Text(issue, "github_issue_url")}");

        public void Note(string text)
        {
            if (asJson)
            {
                o.WriteLine(new JsonObject { ["event"] = "Note", ["message"] = text }.ToJsonString(OpsApi.Json));
            }
            else
            {
                o.WriteLine(style.Dim($"-- {text}"));
            }
        }

        private void Write(string name, JsonNode? data, string line)
        {
            o.WriteLine(asJson ? new JsonObject { ["event"] = name, ["data"] = data?.DeepClone() }.ToJsonString(OpsApi.Json) : line);
        }

        private bool Changed(Dictionary<string, string> seen, string id, string key)
        {
            lock (gate)
            {
                if (seen.TryGetValue(id, out var before) && before == key)
                {
                    return false;
                }

                seen[id] = key;
                return true;
            }
        }

        private static string Clock(JsonNode? node, string name) =>
            DateTimeOffset.TryParse(Show.Text(node, name), out var t) ? t.UtcDateTime.ToString("HH:mm:ss") : DateTime.UtcNow.ToString("HH:mm:ss");
    }
}
