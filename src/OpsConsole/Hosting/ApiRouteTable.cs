using OpsConsole.Api;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Audit;
using OpsConsole.Features.BugReports;
using OpsConsole.Features.Dashboard;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Health;
using OpsConsole.Features.Notifications;
using OpsConsole.Features.Rules;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Hosting;

/// <summary>The one route table under /api/v1/orchestration (trailing slashes are optional): composition only.</summary>
public static class ApiRouteTable
{
    public static IEndpointRouteBuilder MapOrchestrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(ApiRoutes.Base).RequireAuthorization();
        api.MapGet("/", () => TypedResults.Ok(new Dictionary<string, string>
        {
            ["tasks"] = $"{ApiRoutes.Base}/tasks/",
            ["agents"] = $"{ApiRoutes.Base}/agents/",
            ["assignments"] = $"{ApiRoutes.Base}/assignments/",
            ["execution-logs"] = $"{ApiRoutes.Base}/execution-logs/",
            ["rules"] = $"{ApiRoutes.Base}/rules/",
            ["health"] = $"{ApiRoutes.Base}/health/",
            ["status"] = $"{ApiRoutes.Base}/status/status/",
            ["github"] = $"{ApiRoutes.Base}/integrations/github/",
        })).ExcludeFromDescription();

        api.MapWorkItemApi()
            .MapAgentApi()
            .MapHistoryApi()
            .MapRuleApi()
            .MapPreviewApi()
            .MapHealthApi()
            .MapStatusApi()
            .MapApiKeyApi()
            .MapAuditApi()
            .MapIntakeApi()
            .MapGitHubApi()
            .MapNotificationApi();
        app.MapOriginalBugReportApi();
        return app;
    }
}
