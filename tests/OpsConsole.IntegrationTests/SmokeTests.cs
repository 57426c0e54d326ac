using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

public sealed class SmokeTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Api = "/api/v1/orchestration";

    [Fact]
    public async Task Critical_deployment_task_created_through_the_api_goes_to_the_primary_deployment_agent()
    {
        var client = app.CreateAdminClient();

        var response = await client.PostJsonAsync($"{Api}/tasks/", new { title = "Deploy failed on web-1", description = "exit 1", task_type = "deployment", priority = "critical" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var task = await response.ReadObjectAsync();
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal("DeploymentAgent-Primary", (string?)task["assigned_agent_name"]);
    }

    [Fact]
    public async Task Api_without_credentials_is_refused_with_a_problem_that_says_how_to_authenticate()
    {
        var response = await app.CreateClientWithToken(null).GetAsync($"{Api}/tasks/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.Contains("Bearer", (string?)problem["detail"]);
    }
}
