using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class DeploymentFailureTemplateTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static FailureReport Report(string? deploymentId = "deploy-42", string environment = "production", string message = "Database migration failed") => new()
    {
        Channel = FailureChannels.DeploymentLog,
        DeploymentId = deploymentId,
        ErrorMessage = message,
        Step = "migrate",
        Environment = environment,
        OccurredAt = new DateTime(2026, 11, 25, 9, 14, 2, DateTimeKind.Utc),
        Hostname = "web-1",
        Reason = "logged at ERROR",
        Origin = "deployment_log.json line 15",
    };

    [Fact]
    public void Production_failure_task_has_the_originals_title_description_and_input_data()
    {
        var task = DeploymentFailureTemplate.For(Report(), "deployment:deploy-42", Now);

        Assert.Equal("🚨 PRODUCTION FAILURE: deploy-42", task.Title);
        Assert.Equal(WorkItemPriority.Emergency, task.Priority);
        Assert.Equal("critical", task.Severity);
        Assert.StartsWith("\nPRODUCTION DEPLOYMENT FAILURE - IMMEDIATE ACTION REQUIRED\n\nDeployment ID: deploy-42\nTimestamp: 2026-11-25T09:14:02", task.Description, StringComparison.Ordinal);
        Assert.Contains("Server: web-1\nDomain: Unknown\n\nError Details:\nDatabase migration failed\n\nFailed Step: migrate", task.Description, StringComparison.Ordinal);
        Assert.Contains("- Check for pending migrations", task.Description, StringComparison.Ordinal);
        Assert.EndsWith("Immediate investigation and resolution required to restore service.\n", task.Description, StringComparison.Ordinal);

        var input = JsonNode.Parse(task.InputData)!;
        Assert.Equal("production_deployment_failure", (string?)input["source"]);
        Assert.True((bool)input["auto_created"]!);
        Assert.Equal("deploy-42", (string?)input["deployment_id"]);
        Assert.Equal("production_deployment_monitor", (string?)input["error_details"]!["source"]);
        Assert.Equal("critical", (string?)input["error_details"]!["severity"]);
        Assert.Equal("AI Deployment Orchestrator", (string?)input["server_info"]!["deployment_method"]);
        Assert.Equal(-1, (int)input["server_info"]!["exit_code"]!);
    }

    [Fact]
    public void A_staging_failure_says_staging_and_one_without_an_id_is_titled_by_step_and_message()
    {
        var task = DeploymentFailureTemplate.For(Report(null, "staging", "Build failed: npm ERR!"), "signature:x", Now);

        Assert.Equal("🚨 STAGING FAILURE: migrate: Build failed: npm ERR!", task.Title);
        Assert.StartsWith("\nSTAGING DEPLOYMENT FAILURE", task.Description, StringComparison.Ordinal);
        Assert.Equal(WorkItemPriority.Critical, task.Priority);
    }

    [Fact]
    public void Titles_never_exceed_200_characters()
    {
        var task = DeploymentFailureTemplate.For(Report(null, message: new string('x', 5000)), "signature:x", Now);

        Assert.True(task.Title.Length <= 200);
    }
}
