using OpsConsole.Features.Agents;
using OpsConsole.Features.BugReports;
using OpsConsole.Features.Dashboard;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.Health;
using OpsConsole.Features.Rules;
using OpsConsole.Features.WorkItems;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Integrations.Notifications;
using OpsConsole.Security;

namespace OpsConsole.Api;

/// <summary>The one route table under /api/v1/orchestration (trailing slashes are optional).</summary>
public static class ApiRoutes
{
    public const string Base = "/api/v1/orchestration";

    public static IEndpointRouteBuilder MapOrchestrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Base).RequireAuthorization();
        api.MapGet("/", () => TypedResults.Ok(new Dictionary<string, string>
        {
            ["tasks"] = $"{Base}/tasks/",
            ["agents"] = $"{Base}/agents/",
            ["assignments"] = $"{Base}/assignments/",
            ["execution-logs"] = $"{Base}/execution-logs/",
            ["rules"] = $"{Base}/rules/",
            ["health"] = $"{Base}/health/",
            ["status"] = $"{Base}/status/status/",
            ["github"] = $"{Base}/integrations/github/",
        })).ExcludeFromDescription();

        api.MapWorkItemApi()
            .MapAgentApi()
            .MapHistoryApi()
            .MapRuleApi()
            .MapPreviewApi()
            .MapHealthApi()
            .MapStatusApi()
            .MapKeyAndAuditApi()
            .MapIntakeApi()
            .MapGitHubApi()
            .MapNotificationApi();
        app.MapOriginalBugReportApi();
        return app;
    }
}
