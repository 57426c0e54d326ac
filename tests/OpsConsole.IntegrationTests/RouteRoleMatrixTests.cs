using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>The app with a webhook secret, so the GitHub route answers as it does in production.</summary>
public sealed class MatrixApp : OpsConsoleFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("GitHub:WebhookSecret", "matrix-webhook-secret")];
}

/// <summary>
/// Every endpoint the app maps (read from its EndpointDataSource, so a new route is covered the day it is added) against
/// every kind of caller. "Allowed" means the request got past authentication and authorization: anything but 401, 403 or
/// a redirect to the sign-in page (a 400 or 409 from the handler is still "allowed").
/// </summary>
public sealed class RouteRoleMatrixTests(MatrixApp app) : IClassFixture<MatrixApp>
{
    public enum Caller { Anonymous, RevokedKey, Viewer, Operator, Admin, Agent }

    /// <summary>Who may call what; a route missing here fails the test.</summary>
    private enum Access
    {
        Anyone,
        Authenticated,
        Viewer,
        ViewerOrAgent,
        Operator,
        OperatorOrAgent,
        AdminOrAgent,
        Admin,

        /// <summary>Only a valid GitHub signature gets in; no key or token does.</summary>
        Signature,
    }

    private static readonly Dictionary<string, Access> Expected = new()
    {
        // The API. The agent may act on its own agent and on the tasks it holds (the route values below are those).
        ["GET /api/v1/orchestration/"] = Access.Authenticated,
        ["GET /api/v1/orchestration/tasks/"] = Access.Viewer,
        ["POST /api/v1/orchestration/tasks/"] = Access.Operator,
        ["GET /api/v1/orchestration/tasks/{id:guid}"] = Access.ViewerOrAgent,
        ["PUT /api/v1/orchestration/tasks/{id:guid}"] = Access.Operator,
        ["PATCH /api/v1/orchestration/tasks/{id:guid}"] = Access.Operator,
        ["DELETE /api/v1/orchestration/tasks/{id:guid}"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/assign"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/retry"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/escalate"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/cancel"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/block"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/unblock"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/complete"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/fail"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/start"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/progress"] = Access.OperatorOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/release"] = Access.OperatorOrAgent,
        ["GET /api/v1/orchestration/tasks/{id:guid}/execution_logs"] = Access.ViewerOrAgent,
        ["GET /api/v1/orchestration/tasks/{id:guid}/attempts"] = Access.ViewerOrAgent,
        ["POST /api/v1/orchestration/tasks/{id:guid}/messages"] = Access.Operator,
        ["GET /api/v1/orchestration/tasks/{id:guid}/messages"] = Access.ViewerOrAgent,
        ["GET /api/v1/orchestration/tasks/{id:guid}/assignments"] = Access.Viewer,
        ["POST /api/v1/orchestration/tasks/create_from_deployment_failure"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/create_from_bug_report"] = Access.Operator,
        ["GET /api/v1/orchestration/agents/"] = Access.Viewer,
        ["POST /api/v1/orchestration/agents/"] = Access.Admin,
        ["GET /api/v1/orchestration/agents/me"] = Access.ViewerOrAgent,
        ["GET /api/v1/orchestration/agents/{id:guid}"] = Access.ViewerOrAgent,
        ["PUT /api/v1/orchestration/agents/{id:guid}"] = Access.Admin,
        ["PATCH /api/v1/orchestration/agents/{id:guid}"] = Access.Admin,
        ["DELETE /api/v1/orchestration/agents/{id:guid}"] = Access.Admin,
        ["POST /api/v1/orchestration/agents/{id:guid}/update_status"] = Access.Admin,
        ["POST /api/v1/orchestration/agents/{id:guid}/rotate_token"] = Access.Admin,
        ["POST /api/v1/orchestration/agents/{id:guid}/heartbeat"] = Access.AdminOrAgent,
        ["GET /api/v1/orchestration/agents/{id:guid}/current_tasks"] = Access.ViewerOrAgent,
        ["GET /api/v1/orchestration/agents/{id:guid}/task_history"] = Access.ViewerOrAgent,
        ["GET /api/v1/orchestration/assignments/"] = Access.Viewer,
        ["GET /api/v1/orchestration/assignments/{id:guid}"] = Access.Viewer,
        ["GET /api/v1/orchestration/execution-logs/"] = Access.Viewer,
        ["GET /api/v1/orchestration/execution-logs/{id:guid}"] = Access.Viewer,
        ["GET /api/v1/orchestration/rules/"] = Access.Viewer,
        ["GET /api/v1/orchestration/rules/{id:guid}"] = Access.Viewer,
        ["POST /api/v1/orchestration/rules/"] = Access.Admin,
        ["PUT /api/v1/orchestration/rules/{id:guid}"] = Access.Admin,
        ["PATCH /api/v1/orchestration/rules/{id:guid}"] = Access.Admin,
        ["DELETE /api/v1/orchestration/rules/{id:guid}"] = Access.Admin,
        ["GET /api/v1/orchestration/health/"] = Access.Viewer,
        ["GET /api/v1/orchestration/health/{id:guid}"] = Access.Viewer,
        ["GET /api/v1/orchestration/status/status"] = Access.Viewer,
        ["GET /api/v1/orchestration/status/dashboard"] = Access.Viewer,
        ["GET /api/v1/orchestration/status/metrics"] = Access.Viewer,
        ["POST /api/v1/orchestration/status/process_pending_tasks"] = Access.Operator,
        ["POST /api/v1/orchestration/status/sweep"] = Access.Operator,
        ["POST /api/v1/orchestration/status/check_deployment_failures"] = Access.Operator,
        ["GET /api/v1/orchestration/api-keys/"] = Access.Admin,
        ["POST /api/v1/orchestration/api-keys/"] = Access.Admin,
        ["DELETE /api/v1/orchestration/api-keys/{id:guid}"] = Access.Admin,
        ["GET /api/v1/orchestration/audit/"] = Access.Admin,
        ["POST /api/v1/orchestration/failures/"] = Access.Operator,
        ["GET /api/v1/orchestration/failures/"] = Access.Viewer,
        ["GET /api/v1/orchestration/failures/summary"] = Access.Viewer,
        ["POST /api/v1/orchestration/bug-reports/"] = Access.Operator,
        ["GET /api/v1/orchestration/bug-reports/"] = Access.Viewer,
        ["GET /api/v1/orchestration/bug-reports/{id:int}"] = Access.Viewer,
        ["GET /api/v1/bug-reports/"] = Access.Viewer,
        ["GET /api/v1/bug-reports/bug-reports/"] = Access.Viewer,
        ["POST /api/v1/bug-reports/bug-reports/"] = Access.Operator,
        ["GET /api/v1/bug-reports/bug-reports/stats"] = Access.Viewer,
        ["GET /api/v1/bug-reports/bug-reports/user_reports"] = Access.Viewer,
        ["GET /api/v1/bug-reports/bug-reports/{id:int}"] = Access.Viewer,
        ["GET /api/v1/bug-reports/bug-reports/{id:int}/screenshot"] = Access.Viewer,
        ["POST /api/v1/bug-reports/bug-reports/{id:int}/retry_github_creation"] = Access.Operator,
        ["POST /api/v1/orchestration/webhooks/github"] = Access.Signature,
        ["GET /api/v1/orchestration/tasks/{id:guid}/github_issue/"] = Access.Viewer,
        ["POST /api/v1/orchestration/tasks/{id:guid}/github_issue/"] = Access.Operator,
        ["DELETE /api/v1/orchestration/tasks/{id:guid}/github_issue/"] = Access.Operator,
        ["POST /api/v1/orchestration/tasks/{id:guid}/github_issue/retry"] = Access.Operator,
        ["GET /api/v1/orchestration/integrations/github/"] = Access.Viewer,
        ["POST /api/v1/orchestration/integrations/github/deliver"] = Access.Operator,
        ["GET /api/v1/orchestration/integrations/notifications/"] = Access.Viewer,
        ["POST /api/v1/orchestration/integrations/notifications/deliver"] = Access.Admin,
        ["POST /api/v1/orchestration/preview"] = Access.Operator,
        ["POST /api/v1/orchestration/rules/backtest"] = Access.Admin,
        ["GET /api/docs/{documentName}.json"] = Access.Anyone,
        ["GET /api/docs/{documentName?}"] = Access.Anyone,
        ["GET /api/docs/scalar.js"] = Access.Anyone,
        ["GET /api/docs/scalar.aspnetcore.js"] = Access.Anyone,
        ["GET /api/docs/favicon.svg"] = Access.Anyone,

        // Machine clients' hub: API keys and agent tokens.
        ["POST /hubs/orchestration/negotiate"] = Access.Authenticated,
        ["GET /hubs/orchestration"] = Access.Authenticated,

        // The console: people (and keys) with a role; an agent token is no pass to the console.
        ["GET /"] = Access.Viewer,
        ["GET /tasks"] = Access.Viewer,
        ["GET /tasks/{Id:guid}"] = Access.Viewer,
        ["GET /agents"] = Access.Viewer,
        ["GET /health"] = Access.Viewer,
        ["GET /rules"] = Access.Viewer,
        ["GET /wall"] = Access.Viewer,
        ["GET /login"] = Access.Anyone,
        ["POST /logout"] = Access.Anyone,
        ["GET /export/tasks.csv"] = Access.Viewer,
        ["GET /export/audit.csv"] = Access.Admin,
        ["GET /integrations"] = Access.Viewer,
        ["GET /admin/users"] = Access.Admin,
        ["GET /admin/api-keys"] = Access.Admin,
        ["GET /admin/audit"] = Access.Admin,
        ["GET /access-denied"] = Access.Anyone,
        ["GET /hangfire/{**path}"] = Access.Admin,
        ["GET /healthz"] = Access.Anyone,
        ["GET /readyz"] = Access.Anyone,
        ["GET /metrics"] = Access.Viewer,
        ["GET /theme/{mode}.css"] = Access.Anyone,

        // Blazor's own plumbing (the sign-in page is interactive too); pages check roles themselves.
        ["POST /_blazor/negotiate"] = Access.Anyone,
        ["GET /_blazor"] = Access.Anyone,
        ["POST /_blazor/disconnect/"] = Access.Anyone,
        ["GET /_blazor/initializers/"] = Access.Anyone,
        ["GET /_framework/opaque-redirect"] = Access.Anyone,
        ["GET {**path:file}"] = Access.Anyone,
    };

    /// <summary>The method to try on endpoints that accept any method (hubs, Hangfire, probes).</summary>
    private static readonly Dictionary<string, string> AnyMethod = new()
    {
        ["/hubs/orchestration/negotiate"] = "POST",
        ["/_blazor/negotiate"] = "POST",
        ["/_blazor/disconnect/"] = "POST",
    };

    private readonly HttpClient admin = app.CreateAdminClient();

    /// <summary>
    /// What a route is expected to admit: a malformed-id twin (<c>{id:notguid}</c>, which answers the 400) admits whom its
    /// route admits, so a bad id is refused to a caller without the role as before.
    /// </summary>
    private static bool TryExpected(string endpoint, out Access access) =>
        Expected.TryGetValue(endpoint.Replace("{id:notguid}", "{id:guid}", StringComparison.Ordinal), out access);

    [Fact]
    public async Task Every_route_admits_exactly_the_callers_its_policy_names()
    {
        var endpoints = Endpoints();
        Assert.Contains("DELETE /api/v1/orchestration/tasks/{id:notguid}", endpoints);
        Assert.Empty(endpoints.Where(e => !TryExpected(e, out _)).Select(e => $"{e} is not in the expected-policy table"));
        Assert.Empty(Expected.Keys.Where(k => !endpoints.Contains(k)).Select(k => $"{k} is in the table but the app no longer maps it"));

        var world = await World.CreateAsync(app, admin);
        var clients = new Dictionary<Caller, HttpClient>
        {
            [Caller.Anonymous] = app.CreateClientWithToken(null),
            [Caller.RevokedKey] = app.CreateClientWithToken(world.RevokedKey),
            [Caller.Viewer] = await app.CreateClientAsync(ApiRole.Viewer),
            [Caller.Operator] = await app.CreateClientAsync(ApiRole.Operator),
            [Caller.Admin] = admin,
            [Caller.Agent] = app.CreateClientWithToken(world.AgentToken),
        };

        var wrong = new List<string>();
        foreach (var endpoint in endpoints.Order(StringComparer.Ordinal))
        {
            TryExpected(endpoint, out var access);
            var allowed = Allowed(access);
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var (method, pattern) = (endpoint[..endpoint.IndexOf(' ')], endpoint[(endpoint.IndexOf(' ') + 1)..]);
                var path = await world.PathAsync(pattern, caller);
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await clients[caller].SendAsync(request);
                var passed = response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    && !(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found && response.Headers.Location?.OriginalString.Contains("login", StringComparison.OrdinalIgnoreCase) == true);
                if (passed != allowed.Contains(caller))
                {
                    wrong.Add($"{method} {path} as {caller}: {(int)response.StatusCode} ({(passed ? "let in" : "refused")}, expected {(allowed.Contains(caller) ? "let in" : "refused")} for {access})");
                }

                await world.CleanUpAsync();
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static HashSet<Caller> Allowed(Access access) => access switch
    {
        Access.Anyone => [.. Enum.GetValues<Caller>()],
        Access.Authenticated => [Caller.Viewer, Caller.Operator, Caller.Admin, Caller.Agent],
        Access.Viewer => [Caller.Viewer, Caller.Operator, Caller.Admin],
        Access.ViewerOrAgent => [Caller.Viewer, Caller.Operator, Caller.Admin, Caller.Agent],
        Access.Operator => [Caller.Operator, Caller.Admin],
        Access.OperatorOrAgent => [Caller.Operator, Caller.Admin, Caller.Agent],
        Access.AdminOrAgent => [Caller.Admin, Caller.Agent],
        Access.Admin => [Caller.Admin],
        Access.Signature => [],
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    /// <summary>"METHOD pattern" for every routed endpoint but the build's static files (public by nature).</summary>
    private HashSet<string> Endpoints()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null)
            {
                continue;
            }

            var pattern = endpoint.RoutePattern.RawText ?? "";
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            var method = methods is { Count: > 0 } ? methods[0] : AnyMethod.GetValueOrDefault(pattern, "GET");
            result.Add($"{method} {pattern}");
        }

        return result;
    }

    /// <summary>Real route values: the agent's own agent, tasks it holds, and fresh rules, keys and agents for destructive routes.</summary>
    private sealed class World
    {
        private readonly OpsConsoleFactory app;
        private readonly HttpClient admin;
        private readonly List<Guid> tasks = [];

        private World(OpsConsoleFactory app, HttpClient admin)
        {
            this.app = app;
            this.admin = admin;
        }

        public Guid AgentId { get; private set; }
        public string AgentToken { get; private set; } = "";
        public string RevokedKey { get; private set; } = "";
        private Guid AnyTask { get; set; }
        private string AssignmentId { get; set; } = "";
        private string LogId { get; set; } = "";
        private string HealthId { get; set; } = "";
        private int BugReportId { get; set; }

        public static async Task<World> CreateAsync(OpsConsoleFactory app, HttpClient admin)
        {
            var world = new World(app, admin);
            var (agentId, token, _) = await admin.CreateAgentAsync($"matrix-agent-{Routes.Tag()}", capabilities: ["testing"], maxConcurrentTasks: 20);
            world.AgentId = agentId;
            world.AgentToken = token;
            var key = await admin.PostJsonAsync($"{Routes.Base}/api-keys/", new { name = "matrix-revoked", role = "admin" }).ObjectAsync(HttpStatusCode.Created);
            world.RevokedKey = Str(key, "key");
            await (await admin.DeleteAsync($"{Routes.Base}/api-keys/{Str(key, "id")}/")).ExpectAsync(HttpStatusCode.NoContent);

            world.AnyTask = await world.HeldTaskAsync();
            world.tasks.Clear();
            await using var db = await app.DbAsync();
            world.AssignmentId = (await db.Assignments.Select(a => a.Id).FirstAsync()).ToString();
            world.LogId = (await db.LogEntries.Select(l => l.Id).FirstAsync()).ToString();
            world.HealthId = (await db.HealthSamples.Select(h => (Guid?)h.Id).FirstOrDefaultAsync() ?? Guid.NewGuid()).ToString();
            var bug = await admin.PostJsonAsync($"{Routes.Base}/bug-reports/", new { title = "matrix bug", description = "blank page", severity = "low" }).ObjectAsync(HttpStatusCode.Created);
            world.BugReportId = (int)bug["id"]!;
            return world;
        }

        public async Task<string> PathAsync(string pattern, Caller caller)
        {
            var path = pattern;
            if (pattern.Contains("{id:notguid}", StringComparison.Ordinal))
            {
                // A malformed id: the twin answers 400 to whom the route admits.
                path = path.Replace("{id:notguid}", "not-a-uuid");
            }
            else if (pattern.StartsWith("/api/v1/orchestration/tasks/{id:guid}", StringComparison.Ordinal))
            {
                path = path.Replace("{id:guid}", (await HeldTaskAsync()).ToString());
            }
            else if (pattern.StartsWith("/api/v1/orchestration/agents/{id:guid}", StringComparison.Ordinal))
            {
                var id = caller == Caller.Agent ? AgentId : (await admin.CreateAgentAsync($"matrix-victim-{Routes.Tag()}")).Id;
                path = path.Replace("{id:guid}", id.ToString());
            }
            else if (pattern.StartsWith("/api/v1/orchestration/rules/{id:guid}", StringComparison.Ordinal))
            {
                var rule = await admin.PostJsonAsync(Routes.Rules, new { name = $"matrix-rule-{Routes.Tag()}", rule_type = "monitoring", trigger_conditions = new { }, actions = new { } })
                    .ObjectAsync(HttpStatusCode.Created);
                path = path.Replace("{id:guid}", Str(rule, "id"));
            }
            else if (pattern.StartsWith("/api/v1/orchestration/api-keys/{id:guid}", StringComparison.Ordinal))
            {
                var key = await admin.PostJsonAsync($"{Routes.Base}/api-keys/", new { name = $"matrix-{Routes.Tag()}", role = "viewer" }).ObjectAsync(HttpStatusCode.Created);
                path = path.Replace("{id:guid}", Str(key, "id"));
            }

            return path
                .Replace("/assignments/{id:guid}", $"/assignments/{AssignmentId}")
                .Replace("/execution-logs/{id:guid}", $"/execution-logs/{LogId}")
                .Replace("/health/{id:guid}", $"/health/{HealthId}")
                .Replace("{id:int}", BugReportId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Replace("{Id:guid}", AnyTask.ToString())
                .Replace("{documentName}", "v1")
                .Replace("{documentName?}", "")
                .Replace("{**path:file}", "no-such-file.txt")
                .Replace("{**path}", "");
        }

        /// <summary>A new task, assigned to the matrix agent, so the agent's token acts on a task it holds.</summary>
        private async Task<Guid> HeldTaskAsync()
        {
            var engine = app.Engine;
            var item = await engine.CreateAsync(new NewWorkItem { Title = $"matrix {Routes.Tag()}", Kind = WorkItemKind.Testing, AutoAssign = false }, Actor.Engine, CancellationToken.None);
            await app.AgentOperations.HeartbeatAsync(AgentId, "127.0.0.1", CancellationToken.None);
            await engine.AssignAsync(item.Id, AgentId, "route matrix", Actor.Engine, CancellationToken.None);
            tasks.Add(item.Id);
            return item.Id;
        }

        /// <summary>Frees the agent's capacity: the tasks made for one request are cancelled (or already gone).</summary>
        public async Task CleanUpAsync()
        {
            foreach (var id in tasks)
            {
                try
                {
                    await app.Engine.CancelAsync(id, "route matrix done", Actor.Engine, CancellationToken.None);
                }
                catch (RefusedException)
                {
                }
                catch (TransitionRefusedException)
                {
                }
            }

            tasks.Clear();
        }
    }
}
