using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Commands;

/// <summary>
/// <c>opsctl test-failure &lt;deployment-id&gt;</c>: reports a deployment failure and prints the task it became, with its
/// agent (the original's <c>--test-failure</c>, reference §11.3).
/// </summary>
public static class TestFailureCommand
{
    public const string DefaultMessage = "Test deployment failure for orchestration testing";
    public const string DefaultStep = "test_step";

    public static Command Build(CliEnvironment env)
    {
        var deploymentId = new Argument<string>("deployment-id") { Description = "The failed deployment's id (max 100 characters)" };
        var message = new Option<string>("--message") { Description = "The error message", DefaultValueFactory = _ => DefaultMessage };
        var step = new Option<string>("--step") { Description = "The step that failed", DefaultValueFactory = _ => DefaultStep };
        var environment = new Option<string>("--environment") { Description = "Where it failed", DefaultValueFactory = _ => "production" };
        var json = new Option<bool>("--json") { Description = "Print the created task as JSON" };
        var command = new Command("test-failure", "Report a deployment failure and print the task it became, with its agent")
        {
            deploymentId, message, step, environment, json,
        };
        command.SetAction((parse, ct) => CliApp.GuardAsync(env, async () =>
        {
            var report = new FailureReport(
                parse.GetValue(deploymentId)!.Trim(),
                parse.GetValue(message) ?? DefaultMessage,
                parse.GetValue(step) ?? DefaultStep,
                parse.GetValue(environment) ?? "production");
            report.Validate();
            using var api = CliApp.OperatorApi(env);
            var style = new Style(env.Color);
            if (!parse.GetValue(json))
            {
                env.Out.WriteLine($"🧪 Testing failure handling for deployment: {report.DeploymentId}");
            }

            var task = await FailureIntake.For(env).ReportAsync(api, report, DateTimeOffset.UtcNow, ct);
            if (parse.GetValue(json))
            {
                Show.Json(env.Out, task);
                return ExitCodes.Ok;
            }

            var agent = Show.Text(task, "assigned_agent_name");
            env.Out.WriteLine($"✅ Created test task: {Show.Text(task, "id")}");
            env.Out.WriteLine($"   {Show.Text(task, "title")}");
            env.Out.WriteLine($"   priority {style.Word(Show.Text(task, "priority"))}, status {style.Word(Show.Text(task, "status"))}, " +
                (agent.Length > 0 ? $"agent {style.Bold(agent)}" : "no agent yet (waiting for a free agent that fits)"));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}

/// <summary>A deployment failure as opsctl reports it.</summary>
public sealed record FailureReport(string DeploymentId, string Message, string Step, string Environment)
{
    public void Validate()
    {
        if (DeploymentId.Length is 0 or > 100)
        {
            throw new UsageException("deployment-id is required (max 100 characters), e.g. opsctl test-failure deploy-2026-11-25-001");
        }

        if (Message.Length > 5000 || Step.Length > 100 || Environment.Length > 50)
        {
            throw new UsageException("--message may have 5000 characters, --step 100 and --environment 50");
        }
    }

    /// <summary>The original script's severity rule (reference §11.3): critical words, else high for a failed exit code.</summary>
    public string Severity
    {
        get
        {
            var text = $"{Message} {Step}".ToLowerInvariant();
            string[] critical = ["database", "production", "critical", "service unavailable", "nginx error"];
            return critical.Any(text.Contains) ? "critical" : "high";
        }
    }

    /// <summary>Reference §5: emergency when "database" or "critical" appears anywhere in the error details, else critical.</summary>
    public string Priority
    {
        get
        {
            var text = $"{Message} {Step} {Severity}".ToLowerInvariant();
            return text.Contains("database") || text.Contains("critical") ? "emergency" : "critical";
        }
    }
}

/// <summary>
/// Where a failure report goes. Until the intake route (POST failures/) exists, opsctl creates the task itself with
/// the reference's production-failure template (POST tasks/). Switch with OPSCTL_FAILURE_ENDPOINT=failures|tasks,
/// or change <see cref="Default"/> once the intake has landed.
/// </summary>
public abstract class FailureIntake
{
    public const string Variable = "OPSCTL_FAILURE_ENDPOINT";
    public const string Default = "tasks";

    public static FailureIntake For(CliEnvironment env) => (env.Variable(Variable) is { Length: > 0 } v ? v.Trim().ToLowerInvariant() : Default) switch
    {
        "tasks" => new TaskTemplateIntake(),
        "failures" => new FailuresRouteIntake(),
        var other => throw new UsageException($"{Variable} is '{other}'; allowed: tasks (POST tasks/ with the production-failure template), failures (POST failures/)"),
    };

    /// <summary>Reports the failure and returns the task it became (detail form).</summary>
    public abstract Task<JsonNode> ReportAsync(OpsApi api, FailureReport report, DateTimeOffset now, CancellationToken cancellationToken);

    protected static JsonObject ErrorDetails(FailureReport report, DateTimeOffset now) => new()
    {
        ["error_message"] = report.Message,
        ["failed_step"] = report.Step,
        ["exit_code"] = 1,
        ["duration"] = "Unknown",
        ["logs"] = new JsonArray(),
        ["timestamp"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["severity"] = report.Severity,
        ["source"] = "opsctl",
    };

    protected static JsonObject ServerInfo() => new()
    {
        ["hostname"] = System.Environment.MachineName,
        ["domain"] = "Unknown",
        ["deployment_method"] = "opsctl test-failure",
        ["git_branch"] = "main",
        ["user"] = System.Environment.UserName,
    };
}

/// <summary>POST tasks/ with the reference §5 production-failure task: title, template, input data, critical, due in 1 h.</summary>
public sealed class TaskTemplateIntake : FailureIntake
{
    public override async Task<JsonNode> ReportAsync(OpsApi api, FailureReport report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var timestamp = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        var server = ServerInfo();
        var description = string.Join('\n',
            "",
            "PRODUCTION DEPLOYMENT FAILURE - IMMEDIATE ACTION REQUIRED",
            "",
            $"Deployment ID: {report.DeploymentId}",
            $"Timestamp: {timestamp}",
            $"Server: {server["hostname"]}",
            $"Domain: {server["domain"]}",
            "",
            "Error Details:",
            report.Message,
            "",
            $"Failed Step: {report.Step}",
            "",
            "Server Configuration:",
            server.ToJsonString(),
            "",
            "This task was automatically created by the AI Orchestration Engine in response to a production deployment failure.",
            "Immediate investigation and resolution required to restore service.");
        var body = new JsonObject
        {
            ["title"] = $"🚨 PRODUCTION FAILURE: {report.DeploymentId}",
            ["description"] = description,
            ["task_type"] = "deployment",
            ["priority"] = report.Priority,
            ["due_date"] = now.AddHours(1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["estimated_duration"] = "02:00:00",
            ["environment"] = report.Environment,
            ["input_data"] = new JsonObject
            {
                ["deployment_id"] = report.DeploymentId,
                ["error_details"] = ErrorDetails(report, now),
                ["server_info"] = server,
                ["failure_timestamp"] = timestamp,
                ["auto_created"] = true,
                ["source"] = "production_deployment_failure",
            },
        };
        return await api.PostAsync("tasks/", body.ToJsonString(), cancellationToken);
    }
}

/// <summary>POST failures/ (the intake route), then the task it became.</summary>
public sealed class FailuresRouteIntake : FailureIntake
{
    public override async Task<JsonNode> ReportAsync(OpsApi api, FailureReport report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["deployment_id"] = report.DeploymentId,
            ["error_message"] = report.Message,
            ["failed_step"] = report.Step,
            ["environment"] = report.Environment,
            ["status"] = "failed",
            ["exit_code"] = 1,
            ["severity"] = report.Severity,
            ["timestamp"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["server"] = System.Environment.MachineName,
            ["source"] = "opsctl",
        };
        var answer = await api.PostAsync("failures/", body.ToJsonString(), cancellationToken);
        var taskId = Show.Text(answer["results"]?.AsArray().FirstOrDefault(), "task_id");
        if (taskId.Length == 0)
        {
            throw new ApiRefusedException(502, "Unexpected answer", $"POST failures/ answered without a task_id: {answer.ToJsonString()}", null);
        }

        return await api.GetAsync($"tasks/{taskId}/", cancellationToken);
    }
}
