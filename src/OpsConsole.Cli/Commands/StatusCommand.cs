using System.CommandLine;
using System.Text.Json.Nodes;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Commands;

/// <summary>
/// <c>opsctl status [--json]</c>: the orchestration status and the active agents. The JSON is the original's
/// <c>--status</c> payload (reference §10.5), with every date an ISO-8601 string (the original crashed serialising them).
/// </summary>
public static class StatusCommand
{
    public static Command Build(CliEnvironment env)
    {
        var json = new Option<bool>("--json") { Description = "Print the status payload as JSON (for scripts)" };
        var command = new Command("status", "The orchestration status and the agents (the original's --status)") { json };
        command.SetAction((parse, ct) => CliApp.GuardAsync(env, () => RunAsync(env, parse.GetValue(json), ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliEnvironment env, bool asJson, CancellationToken cancellationToken)
    {
        using var api = CliApp.OperatorApi(env);
        var payload = await LoadAsync(api, cancellationToken);
        if (asJson)
        {
            Show.Json(env.Out, payload);
            return ExitCodes.Ok;
        }

        Write(env.Out, new Style(env.Color), payload, api.Url);
        return ExitCodes.Ok;
    }

    /// <summary>Reference §10.5: {timestamp, orchestration, recent_failures_24h, agents[…], version, integration_active} (+ demo).</summary>
    public static async Task<JsonObject> LoadAsync(OpsApi api, CancellationToken cancellationToken)
    {
        var status = (await api.GetAsync("status/status/", cancellationToken)).AsObject();
        var agents = await api.GetAsync("agents/?is_active=true&page_size=100", cancellationToken);
        var list = new JsonArray();
        foreach (var agent in agents["results"]?.AsArray() ?? [])
        {
            list.Add(new JsonObject
            {
                ["id"] = Show.Text(agent, "id"),
                ["name"] = Show.Text(agent, "name"),
                ["type"] = Show.Text(agent, "agent_type"),
                ["status"] = Show.Text(agent, "status"),
                ["current_tasks"] = Show.Int(agent, "current_task_count"),
                ["max_tasks"] = Show.Int(agent, "max_concurrent_tasks"),
                ["success_rate"] = Show.Number(agent, "success_rate"),
                ["efficiency"] = Show.Number(agent, "efficiency_score"),
                ["last_heartbeat"] = agent?["last_heartbeat"]?.DeepClone(),
            });
        }

        return new JsonObject
        {
            ["timestamp"] = status["timestamp"]?.DeepClone(),
            ["orchestration"] = status.DeepClone(),
            ["recent_failures_24h"] = status["recent_activity"]?["failures_24h"]?.DeepClone() ?? 0,
            ["agents"] = list,
            ["version"] = typeof(StatusCommand).Assembly.GetName().Version?.ToString(3),
            ["integration_active"] = true,
            ["demo"] = Show.Bool(status, "demo"),
            ["dry_run"] = Show.Bool(status, "dry_run"),
        };
    }

    private static void Write(TextWriter o, Style style, JsonObject payload, string url)
    {
        var status = payload["orchestration"]!;
        var health = status["system_health"];
        var tasks = status["tasks"];
        var agents = status["agents"];
        var flags = (Show.Bool(payload, "demo") ? " " + style.Paint("[DEMO: simulated agents]", "33") : "")
            + (Show.Bool(payload, "dry_run") ? " " + style.Paint("[DRY-RUN]", "33") : "");
        o.WriteLine($"{style.Bold("OpsConsole")} at {url}, {Show.Time(payload, "timestamp")}{flags}");
        o.WriteLine($"Health: {style.Word(Show.Text(health, "status"))} ({Show.Text(health, "message")})");
        o.WriteLine(
            $"Tasks:  {Show.Int(tasks, "total")} total, {Show.Int(tasks, "pending")} pending, {Show.Int(tasks, "assigned")} assigned, " +
            $"{Show.Int(tasks, "in_progress")} in progress, {Show.Int(tasks, "completed")} completed, {Show.Int(tasks, "failed")} failed, " +
            $"{Show.Int(tasks, "escalated")} escalated, {Show.Int(tasks, "needs_attention")} need attention");
        o.WriteLine(
            $"Agents: {Show.Int(agents, "total")} total, {Show.Int(agents, "available")} available, {Show.Int(agents, "busy")} busy, " +
            $"{Show.Int(agents, "offline")} offline, {Show.Int(agents, "error")} error");
        o.WriteLine($"Last 24 h: {Show.Int(status["recent_activity"], "tasks_created_24h")} tasks created, {Show.Int(payload, "recent_failures_24h")} failures");
        o.WriteLine();

        var table = new Table("AGENT", "TYPE", "STATUS", "TASKS", "SUCCESS", "EFFICIENCY");
        foreach (var agent in payload["agents"]!.AsArray())
        {
            table.Add(
                Show.Text(agent, "name"),
                Show.Text(agent, "type"),
                (Show.Text(agent, "status"), Style.CodeFor(Show.Text(agent, "status"))),
                $"{Show.Int(agent, "current_tasks")}/{Show.Int(agent, "max_tasks")}",
                Show.Percent(Show.Number(agent, "success_rate")),
                Show.Fixed(Show.Number(agent, "efficiency")));
        }

        if (table.Count == 0)
        {
            o.WriteLine("No active agents.");
            return;
        }

        table.WriteTo(o, style);
    }
}
