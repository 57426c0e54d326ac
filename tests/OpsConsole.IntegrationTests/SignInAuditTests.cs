using System.Net;
using System.Text.RegularExpressions;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

public sealed partial class SignInAuditTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Failed_and_successful_sign_ins_are_in_the_audit_trail()
    {
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync("admin", "not-the-password")).StatusCode);
        var success = await SignInAsync("admin", OpsConsoleFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, success.StatusCode);

        var trail = await (await app.CreateAdminClient().GetAsync("/api/v1/orchestration/audit/?target_type=user")).ReadObjectAsync();
        var actions = trail["results"]!.AsArray().Select(e => ((string?)e!["actor"], (string?)e["action"])).ToList();

        Assert.Contains(("admin", "sign_in_failed"), actions);
        Assert.Contains(("admin", "signed_in"), actions);
    }

    private async Task<HttpResponseMessage> SignInAsync(string user, string password)
    {
        var client = app.CreateClientWithToken(null);
        var page = await (await client.GetAsync("/login")).Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
