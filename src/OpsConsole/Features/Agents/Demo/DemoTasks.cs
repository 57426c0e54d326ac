using System.Text.Json;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.Agents.Demo;

/// <summary>Realistic tasks for the demo feeder: deployment failures, bug fixes, monitoring alerts and reviews.</summary>
public static class DemoTasks
{
    public const string Creator = "demo_feeder";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly (string Message, string Step)[] DeploymentFailures =
    [
        ("npm ERR! code ELIFECYCLE: frontend build exited with code 1", "build_frontend"),
        ("Database migration 0042_add_supplier_index failed: lock timeout", "migrate_database"),
        ("nginx: [emerg] unknown directive \"proxy_pas\" in /etc/nginx/sites-enabled/app", "reload_nginx"),
        ("Health check failed after deploy: /api/health returned 503 for 120 s", "health_check"),
        ("gunicorn worker boot failed: ModuleNotFoundError: No module named 'orjson'", "restart_services"),
    ];

    private static readonly (string Title, WorkItemPriority Priority, string Environment)[] Bugs =
    [
        ("Checkout button does nothing on Safari 17", WorkItemPriority.High, "production"),
        ("Supplier list pagination skips page 3", WorkItemPriority.Medium, "staging"),
        ("Invoice PDF shows totals rounded to whole dollars", WorkItemPriority.High, "production"),
        ("Search box loses focus after the first keystroke", WorkItemPriority.Low, "staging"),
        ("Customer credit limit accepts negative values", WorkItemPriority.Medium, "production"),
    ];

    private static readonly (string Title, WorkItemPriority Priority)[] Alerts =
    [
        ("p95 latency of orders-api above 800 ms for 10 minutes", WorkItemPriority.High),
        ("Disk usage on db-1 at 87 %", WorkItemPriority.Medium),
        ("Error rate of payments-worker above 2 %", WorkItemPriority.Critical),
        ("Certificate for api.example.test expires in 9 days", WorkItemPriority.Medium),
    ];

    private static readonly string[] Reviews =
    [
        "Review PR #{0}: cache supplier lookups in the order form",
        "Review PR #{0}: replace hand-written SQL in the reports module",
        "Review PR #{0}: upgrade the payment SDK to v5",
    ];

    /// <summary>One task, chosen at random with deployment failures and bugs the most common.</summary>
    public static NewWorkItem Next(Random random, DateTime now, int sequence)
    {
        var roll = random.NextDouble();
        return roll switch
        {
            < 0.30 => DeploymentFailure(random, now, sequence),
            < 0.60 => BugFix(random),
            < 0.80 => Monitoring(random),
            _ => Review(random, sequence),
        };
    }

    /// <summary>The reference's production-failure task (§5): title, template, input data, due within the hour.</summary>
    public static NewWorkItem DeploymentFailure(Random random, DateTime now, int sequence)
    {
        var (message, step) = DeploymentFailures[random.Next(DeploymentFailures.Length)];
        var deploymentId = $"deploy-{now:yyyyMMdd-HHmm}-{sequence:000}";
        var host = $"web-{random.Next(1, 5)}.demo.internal";
        var critical = message.Contains("database", StringComparison.OrdinalIgnoreCase) || message.Contains("migration", StringComparison.OrdinalIgnoreCase);
        var errorDetails = new { error_message = message, failed_step = step, exit_code = 1, severity = critical ? "critical" : "high", source = "opsconsole_demo" };
        var serverInfo = new { hostname = host, domain = "demo.internal", deployment_method = "OpsConsole demo" };
        var description = $"""

            PRODUCTION DEPLOYMENT FAILURE - IMMEDIATE ACTION REQUIRED

            Deployment ID: {deploymentId}
            Timestamp: {now:O}
            Server: {host}
            Domain: demo.internal

            Error Details:
            {message}

            Failed Step: {step}

            Server Configuration:
            {JsonSerializer.Serialize(serverInfo, Json)}

            This task was automatically created by the AI Orchestration Engine in response to a production deployment failure.
            Immediate investigation and resolution required to restore service.
            """;
        return new NewWorkItem
        {
            Title = $"🚨 PRODUCTION FAILURE: {deploymentId}",
            Description = description,
            Kind = WorkItemKind.Deployment,
            Priority = critical ? WorkItemPriority.Emergency : WorkItemPriority.Critical,
            DueDate = now.AddHours(1),
            EstimatedDuration = TimeSpan.FromHours(2),
            InputData = JsonSerializer.Serialize(new
            {
                deployment_id = deploymentId,
                error_details = errorDetails,
                server_info = serverInfo,
                failure_timestamp = now,
                auto_created = true,
                source = "production_deployment_failure",
            }, Json),
            Environment = "production",
            Source = "production_deployment_failure",
            Owner = Creator,
        };
    }

    private static NewWorkItem BugFix(Random random)
    {
        var (title, priority, environment) = Bugs[random.Next(Bugs.Length)];
        return new NewWorkItem
        {
            Title = $"🐛 Bug Fix: {title}",
            Description = $"BUG REPORT TASK\n\nOriginal Report: {title}\nReporter: demo user\nPriority: {priority.Wire()}\n\nReported through the OpsConsole demo.",
            Kind = WorkItemKind.BugFix,
            Priority = priority,
            EstimatedDuration = TimeSpan.FromHours(4),
            InputData = JsonSerializer.Serialize(new { auto_created = true, source = "bug_report", demo = true }, Json),
            Environment = environment,
            Source = "bug_report",
            Owner = Creator,
        };
    }

    private static NewWorkItem Monitoring(Random random)
    {
        var (title, priority) = Alerts[random.Next(Alerts.Length)];
        return new NewWorkItem
        {
            Title = $"📈 {title}",
            Description = $"Alert raised by the monitoring stack: {title}. Investigate, mitigate and report.",
            Kind = WorkItemKind.SystemMonitoring,
            Priority = priority,
            EstimatedDuration = TimeSpan.FromMinutes(30),
            InputData = JsonSerializer.Serialize(new { alert = title, source = "monitoring", demo = true }, Json),
            Environment = "production",
            Source = "monitoring",
            Owner = Creator,
        };
    }

    private static NewWorkItem Review(Random random, int sequence)
    {
        var title = string.Format(System.Globalization.CultureInfo.InvariantCulture, Reviews[random.Next(Reviews.Length)], 400 + sequence);
        return new NewWorkItem
        {
            Title = title,
            Description = "A pull request waits for review: read the diff, run the tests, comment or approve.",
            Kind = WorkItemKind.CodeReview,
            Priority = WorkItemPriority.Medium,
            EstimatedDuration = TimeSpan.FromHours(1),
            InputData = JsonSerializer.Serialize(new { pull_request = 400 + sequence, source = "code_review", demo = true }, Json),
            Source = "code_review",
            Owner = Creator,
        };
    }
}
