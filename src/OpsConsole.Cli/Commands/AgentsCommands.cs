using System.CommandLine;
using System.Text.Json.Nodes;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Commands;

/// <summary><c>opsctl agents list [--json]</c>: agents with status, load and success rate.</summary>
public static class AgentsCommands
{
    public static Command BuildList(CliEnvironment env)
    {
        var json = new Option<bool>("--json") { Description = "Print the agents as JSON" };
        var list = new Command("list", "Agents with status, load and success rate") { json };
        list.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            using var api = CliApp.OperatorApi(env);
            var page = await api.GetAsync("agents/?page_size=100", ct);
            var agents = page["results"]?.AsArray() ?? [];
            if (parse.GetValue(json))
            {
                Show.Json(env.Out, agents);
                return ExitCodes.Ok;
            }

            Write(env.Out, new Style(env.Color), agents);
            return ExitCodes.Ok;
        }, ct));
        return new Command("agents", "The agents") { list };
    }

    public static void Write(TextWriter o, Style style, JsonArray agents)
    {
        if (agents.Count == 0)
        {
            o.WriteLine("No agents.");
            return;
        }

        var table = new Table("NAME", "TYPE", "STATUS", "TASKS", "SUCCESS", "DONE", "FAILED", "EFFICIENCY", "HEARTBEAT", "ID");
        foreach (var agent in agents)
        {
            var status = Show.Text(agent, "status");
            var active = Show.Bool(agent, "is_active");
            double? age = agent?["heartbeat_age_seconds"] is JsonValue v && v.TryGetValue<double>(out var s) ? s : null;
            table.Add(
                Show.Text(agent, "name"),
                Show.Text(agent, "agent_type"),
                (active ? status : status + " (inactive)", Style.CodeFor(active ? status : "cancelled")),
                $"{Show.Int(agent, "current_task_count")}/{Show.Int(agent, "max_concurrent_tasks")}",
                Show.Percent(Show.Number(agent, "success_rate")),
                Show.Int(agent, "total_tasks_completed"),
                Show.Int(agent, "total_tasks_failed"),
                Show.Fixed(Show.Number(agent, "efficiency_score")),
                Show.Age(age),
                Show.Text(agent, "id"));
        }

        table.WriteTo(o, style);
    }
}
