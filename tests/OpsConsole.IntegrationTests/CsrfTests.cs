using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Requests a signed-in browser could be tricked into sending need the antiforgery token of a console page.</summary>
public sealed class CsrfTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Sign_in_form_posted_without_its_antiforgery_token_is_refused()
    {
        var client = app.CreateClientWithToken(null);
        await client.GetAsync("/login");

        var forged = await client.PostAsync("/login", Form(("_handler", "login"), ("Input.UserName", "admin"), ("Input.Password", OpsConsoleFactory.AdminPassword)));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await client.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sign_out_without_the_token_leaves_the_user_signed_in_and_with_it_signs_out()
    {
        var browser = await SignedInBrowserAsync();

        var forged = await browser.PostAsync("/logout", Form());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await (await browser.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK);

        var real = await browser.PostAsync("/logout", Form(("__RequestVerificationToken", await PageTokenAsync(browser))));
        Assert.Equal(HttpStatusCode.Redirect, real.StatusCode);
        await browser.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Api_write_authenticated_only_by_the_cookie_needs_the_antiforgery_token()
    {
        var browser = await SignedInBrowserAsync();
        var tag = Routes.Tag();

        // What a form on another site can post: JSON as text/plain, the cookie attached by the browser, no token.
        var forged = await browser.PostAsync(Routes.Tasks, new StringContent($$"""{"title":"forged {{tag}}","task_type":"testing"}""", Encoding.UTF8, "text/plain"));
        var forgedJson = await browser.PostAsync(Routes.Tasks, new StringContent($$"""{"title":"forged {{tag}}","task_type":"testing"}""", Encoding.UTF8, "application/json"));

        Assert.Contains("antiforgery", (string?)(await forged.ProblemAsync(HttpStatusCode.BadRequest))["detail"]);
        await forgedJson.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, (int?)(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}"))["count"]);

        using var withToken = new HttpRequestMessage(HttpMethod.Post, Routes.Tasks)
        {
            Content = new StringContent($$"""{"title":"console {{tag}}","task_type":"testing","auto_assign":false}""", Encoding.UTF8, "application/json"),
        };
        withToken.Headers.Add("RequestVerificationToken", await PageTokenAsync(browser));
        await (await browser.SendAsync(withToken)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(1, (int?)(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}"))["count"]);
    }

    [Theory]
    [InlineData("/hubs/orchestration/negotiate?negotiateVersion=1")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    public async Task A_live_connection_on_the_cookie_from_another_site_is_refused_and_from_the_console_it_is_not(string negotiate)
    {
        var browser = await SignedInBrowserAsync();

        // A page on another port of the same host, opened by the signed-in admin: the browser attaches the cookie.
        using var foreign = new HttpRequestMessage(HttpMethod.Post, negotiate);
        foreign.Headers.Add("Origin", "http://localhost:9999");
        var refused = await browser.SendAsync(foreign);
        Assert.Contains("own pages", (string?)(await refused.ProblemAsync(HttpStatusCode.Forbidden))["detail"]);

        using var own = new HttpRequestMessage(HttpMethod.Post, negotiate);
        own.Headers.Add("Origin", browser.BaseAddress!.GetLeftPart(UriPartial.Authority));
        await (await browser.SendAsync(own)).ExpectAsync(HttpStatusCode.OK);

        // A script with a key is not riding on anyone's cookie: it may connect from any origin.
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/hubs/orchestration/negotiate?negotiateVersion=1");
        keyed.Headers.Add("Origin", "http://localhost:9999");
        await (await admin.SendAsync(keyed)).ExpectAsync(HttpStatusCode.OK);
    }

    private async Task<HttpClient> SignedInBrowserAsync()
    {
        var browser = app.CreateClientWithToken(null);
        var token = await PageTokenAsync(browser, "/login");
        var signedIn = await browser.PostAsync("/login", Form(
            ("_handler", "login"), ("__RequestVerificationToken", token), ("Input.UserName", "admin"), ("Input.Password", OpsConsoleFactory.AdminPassword)));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        await (await browser.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK);
        return browser;
    }

    /// <summary>The antiforgery token a console page gives the signed-in user (the layout's sign-out form carries one).</summary>
    private static async Task<string> PageTokenAsync(HttpClient browser, string page = "/tasks")
    {
        var html = await (await (await browser.GetAsync(page)).ExpectAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        var token = Loopback.AntiforgeryToken(html);
        Assert.True(token.Length > 0, $"{page} has no antiforgery field");
        return token;
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
}
