using System.CommandLine;
using OpsConsole.Cli.Worker;

namespace OpsConsole.Cli.Commands;

/// <summary><c>opsctl agent run --token &lt;agent token&gt; [--command "&lt;shell command&gt;"]</c>: the reference worker.</summary>
public static class AgentRunCommand
{
    public static Command Build(CliEnvironment env)
    {
        var token = new Option<string>("--token")
        {
            Description = $"The agent's own token (opa_…), shown once when the agent was created or its token rotated; or set {CliEnvironment.AgentTokenVariable}",
        };
        var command = new Option<string>("--command")
        {
            Description = "Shell command run once per task: the task's JSON on stdin, OPSCONSOLE_TASK_ID in the environment; " +
                "each stdout line is reported as progress; exit 0 completes the task (stdout as output, or the JSON object it printed), " +
                "anything else fails it with the tail of stderr. Without it, each task is acknowledged and completed at once.",
        };
        var heartbeat = new Option<int>("--heartbeat-seconds") { Description = "Seconds between heartbeats", DefaultValueFactory = _ => 30, Hidden = true };
        var poll = new Option<int>("--poll-seconds") { Description = "Seconds between pulls of current_tasks (the fallback to the hub)", DefaultValueFactory = _ => 15, Hidden = true };

        var run = new Command("run", "Work as an agent: heartbeat, receive the agent's tasks (hub push, REST pull as fallback), run the command per task, report progress and the result; Ctrl-C stops cleanly and gives back what was not finished")
        {
            token, command, heartbeat, poll,
        };
        run.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            var secret = parse.GetValue(token) is { Length: > 0 } t ? t.Trim() : env.Variable(CliEnvironment.AgentTokenVariable)?.Trim();
            if (string.IsNullOrEmpty(secret))
            {
                throw new UsageException($"--token is required (or set {CliEnvironment.AgentTokenVariable}): the agent's own token, shown once when an admin created the agent or rotated its token (POST agents/{{id}}/rotate_token/)");
            }

            if (!secret.StartsWith("opa_", StringComparison.Ordinal))
            {
                throw new UsageException("--token must be an agent token (opa_…); an API key (ops_…) cannot act as an agent");
            }

            var settings = new WorkerSettings(
                secret,
                parse.GetValue(command) is { Length: > 0 } c ? c : null,
                TimeSpan.FromSeconds(Positive(parse.GetValue(heartbeat), "--heartbeat-seconds")),
                TimeSpan.FromSeconds(Positive(parse.GetValue(poll), "--poll-seconds")));
            await using var worker = new AgentWorker(settings, env);
            return await worker.RunAsync(ct);
        }, ct));
        return new Command("agent", "Act as an agent") { run };
    }

    private static int Positive(int value, string name) => value is >= 1 and <= 3600
        ? value
        : throw new UsageException($"{name} must be from 1 to 3600 (got {value})");
}
