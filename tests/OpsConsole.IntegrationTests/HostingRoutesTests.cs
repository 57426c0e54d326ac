using System.Net;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>Probes and the API reference answer without credentials.</summary>
public sealed class HostingRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_answer_200_without_credentials(string path)
    {
        var response = await app.CreateClientWithToken(null).GetAsync(path);

        await response.ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Api_reference_page_answers_200_without_credentials()
    {
        var client = app.CreateClientWithToken(null);

        var response = await client.GetAsync("/api/docs");

        // The reference UI may send /api/docs to /api/docs/ first; either way an anonymous reader lands on the page.
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)
        {
            var target = new Uri(new Uri(client.BaseAddress!, "/api/docs"), response.Headers.Location!);
            Assert.Equal("/api/docs/", target.AbsolutePath);
            response = await client.GetAsync(target);
        }

        await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_unknown_api_route_is_a_404_problem_pointing_to_the_docs()
    {
        var problem = await app.CreateAdminClient().GetAsync($"{Routes.Base}/no-such-thing/").ProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains("/api/docs", (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_mistyped_console_address_in_a_browser_is_a_404_page_with_the_way_back_and_machines_still_get_a_problem()
    {
        var client = app.CreateClientWithToken(null);
        async Task<HttpResponseMessage> GetAsync(string path, string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", accept);
            return await client.SendAsync(request);
        }

        var page = await GetAsync("/nope<script>", "text/html,application/xhtml+xml,*/*;q=0.8");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("There is nothing at this address", html);
        Assert.Contains("<a href=\"/\">Go to the dashboard</a>", html);
        Assert.Contains("/nope&lt;script&gt;", html); // the address is shown as text
        await (await GetAsync("/nope", "application/json")).ProblemAsync(HttpStatusCode.NotFound);
        await (await GetAsync($"{Routes.Base}/no-such-thing/", "*/*")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_wrong_method_on_an_api_route_is_a_405_problem()
    {
        await app.CreateAdminClient().DeleteAsync($"{Routes.Status}status/").ProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task OpenApi_document_answers_200_without_credentials_and_lists_the_routes()
    {
        var response = await app.CreateClientWithToken(null).GetAsync("/api/docs/v1.json");

        await response.ExpectAsync(HttpStatusCode.OK);
        var document = await response.ReadObjectAsync();
        Assert.StartsWith("3.", (string?)document["openapi"]);
        var paths = document["paths"]!.AsObject();
        Assert.Contains(paths, p => p.Key.StartsWith("/api/v1/orchestration/tasks", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.Key.StartsWith("/api/v1/orchestration/agents", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApi_document_describes_pull_requests_on_tasks_and_the_webhook_events_of_the_pull_request_loop()
    {
        var document = await (await app.CreateClientWithToken(null).GetAsync("/api/docs/v1.json")).ReadObjectAsync();

        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.True(schemas["TaskDetailDto"]!["properties"]!.AsObject().ContainsKey("pull_requests"), "TaskDetailDto has no pull_requests");
        var pullRequest = schemas["PullRequestDto"]!["properties"]!.AsObject();
        Assert.Equal(["number", "url", "state", "head_sha", "checks"], pullRequest.Select(p => p.Key));
        var webhook = document["paths"]!.AsObject().Single(p => p.Key.StartsWith("/api/v1/orchestration/webhooks/github", StringComparison.Ordinal)).Value!;
        var description = (string?)webhook["post"]!["description"];
        Assert.Contains("GitHub:IntakeLabel", description, StringComparison.Ordinal);
        Assert.Contains("pull_request", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_paging_parameters_of_lists_with_the_cursor_where_a_list_pages_by_position()
    {
        var document = await (await app.CreateClientWithToken(null).GetAsync("/api/docs/v1.json")).ReadObjectAsync();
        var paths = document["paths"]!.AsObject();

        static Dictionary<string, string> ParametersOf(JsonNode path) =>
            path["get"]!["parameters"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (string)p!["description"]!);
        var tasks = ParametersOf(paths.Single(p => p.Key.TrimEnd('/') == "/api/v1/orchestration/tasks").Value!);
        var agents = ParametersOf(paths.Single(p => p.Key.TrimEnd('/') == "/api/v1/orchestration/agents").Value!);

        Assert.Contains("follow `next`", tasks["page"], StringComparison.Ordinal);
        Assert.Contains("100", tasks["page_size"], StringComparison.Ordinal);
        Assert.Contains("400 naming `cursor`", tasks["cursor"], StringComparison.Ordinal);
        Assert.Contains("count_is_lower_bound", tasks["cursor"], StringComparison.Ordinal);
        Assert.True(agents.ContainsKey("page"));
        Assert.False(agents.ContainsKey("cursor"), "agents are paged in memory, by number only");
    }
}
