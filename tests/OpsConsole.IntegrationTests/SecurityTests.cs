using System.Net;
using System.Net.Http.Headers;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

public sealed class ApiKeyAndAuditTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Api = "/api/v1/orchestration";

    [Fact]
    public async Task Created_key_is_shown_once_works_at_once_and_stops_working_the_moment_it_is_revoked()
    {
        var admin = app.CreateAdminClient();
        var created = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "ci-runner", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadObjectAsync();
        var key = (string)body["key"]!;
        var id = (string)body["id"]!;

        var list = await (await admin.GetAsync($"{Api}/api-keys/")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, list);
        Assert.Contains("ci-runner", list);

        var operatorClient = app.CreateClientWithToken(key);
        var task = await operatorClient.PostJsonAsync($"{Api}/tasks/", new { title = "Made by the CI key", task_type = "testing" });
        Assert.Equal(HttpStatusCode.Created, task.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "admin" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Api}/api-keys/{id}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await operatorClient.GetAsync($"{Api}/tasks/")).StatusCode);
    }

    [Fact]
    public async Task Key_with_an_unknown_role_or_a_past_expiry_is_refused_naming_the_field()
    {
        var admin = app.CreateAdminClient();

        var badRole = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "root" });
        var past = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "viewer", expires_at = "2001-01-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("viewer, operator, admin", (string?)(await badRole.ReadObjectAsync())["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("expires_at", (string?)(await past.ReadObjectAsync())["detail"]);
    }

    [Fact]
    public async Task Every_change_by_a_key_is_in_the_audit_trail_with_who_what_and_before_after()
    {
        var admin = app.CreateAdminClient();
        var created = await (await admin.PostJsonAsync($"{Api}/tasks/", new { title = "Audited task", task_type = "documentation", priority = "low" })).ReadObjectAsync();
        var id = (string)created["id"]!;
        await admin.PostJsonAsync($"{Api}/tasks/{id}/escalate/", new { reason = "customer waiting" });

        var trail = await (await admin.GetAsync($"{Api}/audit/?target_id={id}")).ReadObjectAsync();
        var entries = trail["results"]!.AsArray();

        Assert.Contains(entries, e => (string?)e!["action"] == "created" && (string?)e["actor"] == "key:bootstrap" && (string?)e["actor_type"] == "api_key");
        var escalation = entries.First(e => (string?)e!["action"] == "updated" && e["after"]?["priority"] is not null);
        Assert.Equal("low", (string?)escalation!["before"]!["priority"]);
        Assert.Equal("medium", (string?)escalation["after"]!["priority"]);
    }

    [Fact]
    public async Task Audit_trail_is_for_admins_only()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"{Api}/audit/")).StatusCode);
    }

    [Fact]
    public async Task Console_pages_carry_security_headers_and_a_content_security_policy()
    {
        var response = await app.CreateClientWithToken(null).GetAsync("/login");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("connect-src 'self';", csp); // its own origin only: no WebSocket to any other host
    }
}

public sealed class SignInRateLimitTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Repeated_sign_in_attempts_from_one_address_get_429_with_retry_after()
    {
        var client = app.CreateClientWithToken(null);
        HttpResponseMessage? last = null;
        for (var i = 0; i < OpsConsole.Security.Protection.SignInPerMinute + 1; i++)
        {
            last = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "login" }));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(last.Headers.RetryAfter is RetryConditionHeaderValue { Delta: { } delta } && delta > TimeSpan.Zero);
    }
}

/// <summary>OpsConsole:WallFrameAncestors lets a dashboard rotator frame the wall screen, and nothing else.</summary>
public sealed class WallFramingTests(WallFramingTests.FramedWall app) : IClassFixture<WallFramingTests.FramedWall>
{
    public sealed class FramedWall : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:WallFrameAncestors", "https://tv.example.com")];
    }

    [Fact]
    public async Task Only_the_wall_may_be_framed_and_only_by_the_configured_origin()
    {
        var client = await app.CreateClientAsync(ApiRole.Viewer);

        var wall = await client.GetAsync("/wall");
        var console = await client.GetAsync("/login");

        Assert.Contains("frame-ancestors https://tv.example.com", wall.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(wall.Headers.Contains("X-Frame-Options"));
        Assert.Contains("frame-ancestors 'none'", console.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", console.Headers.GetValues("X-Frame-Options").Single());
    }
}
