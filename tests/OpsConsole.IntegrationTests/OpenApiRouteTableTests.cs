using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// The OpenAPI document against the app's own route table (its EndpointDataSource): every API route is in the document with
/// its method, and lists every status it can answer. A route added tomorrow is checked the day it is mapped.
/// </summary>
public sealed partial class OpenApiRouteTableTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    /// <summary>What the API is: the orchestration API and the original's bug-report routes.</summary>
    private static readonly string[] ApiPrefixes = ["/api/v1/orchestration", "/api/v1/bug-reports"];

    /// <summary>Writes that take no body (and no id): nothing a client sends can be a 400.</summary>
    private static readonly HashSet<string> Bodyless =
    [
        "POST /api/v1/orchestration/status/process_pending_tasks",
        "POST /api/v1/orchestration/status/sweep",
        "POST /api/v1/orchestration/status/check_deployment_failures",
        "POST /api/v1/orchestration/integrations/github/deliver",
        "POST /api/v1/orchestration/integrations/notifications/deliver",
        "POST /api/v1/bug-reports/bug-reports/{id:int}/retry_github_creation",
    ];

    /// <summary>A route the document may leave out: the API's index, and the malformed-id twins (their 400 is on the routes).</summary>
    private static bool MayBeLeftOut(Route route) => route.Path == "/api/v1/orchestration/" || route.Pattern.Contains("{id:notguid}", StringComparison.Ordinal);

    [Fact]
    public async Task Every_api_route_is_in_the_openapi_document_with_every_status_it_can_answer()
    {
        var routes = Routes();
        Assert.True(routes.Count > 90, $"expected the API's routes, found {routes.Count}");
        Assert.Contains(routes, r => r.Pattern == "/api/v1/orchestration/tasks/{id:guid}/complete");
        Assert.Contains(routes, r => r.Pattern.StartsWith("/api/v1/bug-reports/bug-reports/", StringComparison.Ordinal));

        var wrong = Compare(await DocumentAsync(), routes);

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void A_conflict_is_listed_on_the_writes_that_can_be_refused_so_and_on_no_other_route()
    {
        var conflicting = Routes().Where(r => r.Statuses.Contains(409)).Select(r => $"{r.Method} {r.Pattern}").ToHashSet();

        // A task's transition, a replayed delivery, a rule's or agent's name taken, an issue already linked.
        Assert.Contains("POST /api/v1/orchestration/tasks/{id:guid}/complete", conflicting);
        Assert.Contains("POST /api/v1/orchestration/webhooks/github", conflicting);
        Assert.Contains("POST /api/v1/orchestration/rules/", conflicting);
        Assert.Contains("PATCH /api/v1/orchestration/agents/{id:guid}", conflicting);
        Assert.Contains("POST /api/v1/orchestration/tasks/{id:guid}/github_issue/", conflicting);
        // Reads, a preview, a key's revocation, a rule's deletion and the delivery runs cannot be refused as a conflict.
        Assert.DoesNotContain(conflicting, r => r.StartsWith("GET ", StringComparison.Ordinal));
        Assert.DoesNotContain("POST /api/v1/orchestration/preview", conflicting);
        Assert.DoesNotContain("DELETE /api/v1/orchestration/api-keys/{id:guid}", conflicting);
        Assert.DoesNotContain("DELETE /api/v1/orchestration/rules/{id:guid}", conflicting);
        Assert.DoesNotContain("POST /api/v1/orchestration/integrations/github/deliver", conflicting);
    }

    [Fact]
    public async Task The_comparison_finds_a_route_missing_from_the_document_and_a_status_left_out()
    {
        var routes = Routes();
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();
        paths.Remove("/api/v1/orchestration/rules/backtest");
        paths["/api/v1/orchestration/tasks/{id}/complete"]!["post"]!["responses"]!.AsObject().Remove("404");
        paths["/api/v1/orchestration/agents/{id}"]!["get"]!["responses"]!.AsObject().Remove("403");
        paths["/api/v1/orchestration/tasks/{id}/fail"]!["post"]!["responses"]!.AsObject().Remove("409");
        paths["/api/v1/orchestration/preview"]!["post"]!["responses"]!["409"] = new JsonObject { ["description"] = "Conflict" };

        var wrong = Compare(document, routes);

        Assert.Contains("POST /api/v1/orchestration/rules/backtest is not in the OpenAPI document", wrong);
        Assert.Contains("POST /api/v1/orchestration/tasks/{id}/complete does not list 404", wrong);
        Assert.Contains("GET /api/v1/orchestration/agents/{id} does not list 403", wrong);
        Assert.Contains("POST /api/v1/orchestration/tasks/{id}/fail does not list 409", wrong);
        Assert.Contains("POST /api/v1/orchestration/preview lists 409, which its handler does not say it can answer", wrong);
        Assert.Equal(5, wrong.Count);
    }

    [Fact]
    public void Only_the_index_and_the_malformed_id_twins_are_left_out_of_the_document()
    {
        var excluded = Routes().Where(r => r.Excluded).ToList();

        Assert.All(excluded, r => Assert.True(MayBeLeftOut(r), $"{r.Method} {r.Pattern} is excluded from the OpenAPI document"));
        Assert.Contains(excluded, r => r.Pattern == "/api/v1/orchestration/tasks/{id:notguid}/complete");
    }

    private async Task<JsonObject> DocumentAsync() =>
        await (await app.CreateClientWithToken(null).GetAsync("/api/docs/v1.json")).ReadObjectAsync();

    /// <summary>What is wrong between the document and the routes: a route it lacks, or a status a route can answer that it does not list.</summary>
    private static List<string> Compare(JsonObject document, IReadOnlyList<Route> routes)
    {
        var paths = document["paths"]!.AsObject();
        var wrong = new List<string>();
        foreach (var route in routes.Where(r => !r.Excluded))
        {
            // Trailing slashes are optional on the wire; the document names each route once.
            var operation = paths.FirstOrDefault(p => p.Key.TrimEnd('/') == route.Path.TrimEnd('/')).Value?[route.Method.ToLowerInvariant()];
            if (operation is null)
            {
                wrong.Add($"{route.Method} {route.Path} is not in the OpenAPI document");
                continue;
            }

            var listed = operation["responses"]!.AsObject().Select(r => r.Key).ToHashSet();
            if (!listed.Any(s => s.StartsWith('2')))
            {
                wrong.Add($"{route.Method} {route.Path} lists no success");
            }

            wrong.AddRange(route.Statuses.Where(s => !listed.Contains(s.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .Select(s => $"{route.Method} {route.Path} does not list {s}"));
            if (listed.Contains("409") && !route.Statuses.Contains(409))
            {
                wrong.Add($"{route.Method} {route.Path} lists 409, which its handler does not say it can answer");
            }
        }

        return wrong;
    }

    /// <summary>The API's routes as the app maps them, each with the statuses it can answer besides its success.</summary>
    private List<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (!ApiPrefixes.Any(p => pattern.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var excluded = endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var role = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is not null || a.Roles is not null);
            var isList = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>()
                .Any(m => m.Type is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(OpsConsole.Api.Page<>));
            var hasId = pattern.Contains("{id", StringComparison.Ordinal);
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var hasBody = method is "POST" or "PUT" or "PATCH" && !Bodyless.Contains($"{method} {pattern}");
                var statuses = new SortedSet<int>();
                if (hasBody || isList || pattern.Contains("{id:guid}", StringComparison.Ordinal))
                {
                    statuses.Add(400);
                }

                // Signed, not authenticated: the webhook answers 401 itself.
                statuses.Add(401);
                if (role && !anonymous)
                {
                    statuses.Add(403);
                }

                if (hasId || isList)
                {
                    statuses.Add(404);
                }

                // A conflict is the handler's to say; an unreachable database can meet every route (authentication reads it).
                if (endpoint.Metadata.OfType<OpsConsole.Api.CanConflictAttribute>().Any())
                {
                    statuses.Add(409);
                }

                statuses.Add(503);

                routes.Add(new Route(method, pattern, OpenApiPath(pattern), excluded, statuses));
            }
        }

        return routes;
    }

    /// <summary>The document's name of a route: constraints dropped (<c>{id:guid}</c> is <c>{id}</c>).</summary>
    private static string OpenApiPath(string pattern) => Constraint().Replace(pattern, "{${name}}");

    [GeneratedRegex(@"\{(?<name>\w+)(:[^}]*)?\}")]
    private static partial Regex Constraint();

    private sealed record Route(string Method, string Pattern, string Path, bool Excluded, IReadOnlySet<int> Statuses);
}
