using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Security;

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

    [Fact]
    public async Task An_unknown_user_a_wrong_password_and_a_locked_account_get_the_same_answer()
    {
        var name = People.Unique("lena");
        await app.Service<UserAdministration>().CreateAsync(new NewUser(name, ApiRole.Viewer, People.Password), People.Admin(), CancellationToken.None);

        var unknown = await RefusalAsync(People.Unique("nobody"), People.Password);
        var wrong = await RefusalAsync(name, "not-the-password");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await SignInAsync(name, "not-the-password");
        }

        var locked = await RefusalAsync(name, People.Password); // the right password, on a locked account

        Assert.Equal(ConsoleSignIn.Refusal, unknown);
        Assert.Equal(unknown, wrong);
        Assert.Equal(unknown, locked);
    }

    [Fact]
    public async Task An_unknown_user_name_costs_the_same_password_hashing_as_a_known_one()
    {
        var counting = new CountingHasher();
        await using var counted = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPasswordHasher<IdentityUser>>(counting)));

        await SignInAsync(counted.CreateClient(), People.Unique("nobody"), "some-password-1");
        var forUnknown = counting.Verifications;
        await SignInAsync(counted.CreateClient(), "admin", "not-the-password");

        Assert.Equal(1, forUnknown);
        Assert.Equal(2, counting.Verifications);
    }

    private async Task<string> RefusalAsync(string user, string password)
    {
        var page = await (await SignInAsync(user, password)).Content.ReadAsStringAsync();
        return WebUtility.HtmlDecode(LoginError().Match(page).Groups[1].Value);
    }

    private Task<HttpResponseMessage> SignInAsync(string user, string password) => SignInAsync(app.CreateClientWithToken(null), user, password);

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string user, string password)
    {
        var page = await (await client.GetAsync("/login")).Content.ReadAsStringAsync();
        var token = Loopback.AntiforgeryToken(page);
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        }));
    }

    [GeneratedRegex("<p class=\"ops-login-error\" role=\"alert\">([^<]*)</p>")]
    private static partial Regex LoginError();

    /// <summary>Identity's own hasher, counting how often a password is checked.</summary>
    private sealed class CountingHasher : IPasswordHasher<IdentityUser>
    {
        private readonly PasswordHasher<IdentityUser> inner = new();
        private int verifications;

        public int Verifications => verifications;

        public string HashPassword(IdentityUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(IdentityUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
