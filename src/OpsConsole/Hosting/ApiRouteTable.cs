using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
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
        var before = app.DataSources.ToList();
        var root = app.MapGroup("");
        ((IEndpointConventionBuilder)root).Finally(DescribePipelineResponses);
        var api = root.MapGroup(ApiRoutes.Base).RequireAuthorization();
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
        root.MapOriginalBugReportApi();

        // A malformed id gets its 400 from one place: the twins of the {id:guid} routes.
        app.DataSources.Add(new MalformedIds([.. app.DataSources.Except(before)]));
        return app;
    }

    /// <summary>The route constraint the malformed-id twins use (<c>{id:notguid}</c>).</summary>
    public static IServiceCollection AddApiRouteConstraints(this IServiceCollection services) =>
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<MalformedIds.NotGuidConstraint>(MalformedIds.ConstraintName));

    /// <summary>
    /// Adds to a route's description the answers that come from the pipeline rather than its handler, so the OpenAPI document
    /// lists every response a client can get: 400 for a malformed id and 404 for an unknown one or a page past the end, 401
    /// without credentials, 403 when its policy names a role, 429 past the write rate limit, and 503 while the database cannot
    /// be reached. A 409 is the handler's to say (<see cref="CanConflictAttribute"/>): only some writes can be refused so.
    /// </summary>
    private static void DescribePipelineResponses(EndpointBuilder builder)
    {
        if (builder is not RouteEndpointBuilder route || builder.Metadata.OfType<IExcludeFromDescriptionMetadata>().Any(m => m.ExcludeFromDescription))
        {
            return;
        }

        var statuses = new List<int>();
        var raw = route.RoutePattern.RawText ?? "";
        if (MalformedIds.TakesId(route.RoutePattern))
        {
            statuses.Add(StatusCodes.Status400BadRequest);
        }

        var isList = builder.Metadata.OfType<IProducesResponseTypeMetadata>()
            .Any(m => m.StatusCode == StatusCodes.Status200OK && m.Type is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Page<>));
        if (raw.Contains("{id", StringComparison.Ordinal) || isList)
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }

        if (!builder.Metadata.OfType<IAllowAnonymous>().Any())
        {
            statuses.Add(StatusCodes.Status401Unauthorized);
            if (builder.Metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null || a.Roles is not null))
            {
                statuses.Add(StatusCodes.Status403Forbidden);
            }
        }

        var methods = builder.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
        if (methods.Any(m => !HttpMethods.IsGet(m) && !HttpMethods.IsHead(m)))
        {
            statuses.Add(StatusCodes.Status429TooManyRequests);
        }

        // Every route can meet an unreachable database: authentication reads the key, the agent token or the user's security
        // stamp from it (the one anonymous route, GitHub's webhook, records the delivery), so 503 is on all of them.
        statuses.Add(StatusCodes.Status503ServiceUnavailable);
        TypedProblem.Describe(builder, [.. statuses]);
    }
}
