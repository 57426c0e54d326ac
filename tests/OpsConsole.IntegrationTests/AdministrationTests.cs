using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Security;

namespace OpsConsole.IntegrationTests;

/// <summary>People as the console's pages pass them to the administration services (cookie sign-in, claims from then).</summary>
internal static class People
{
    public const string Password = "Strong-pass1";

    public static ClaimsPrincipal Person(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "Identity.Application"));

    public static ClaimsPrincipal Admin(string name = "admin") => Person(name, OpsRoles.Admin, OpsRoles.Operator, OpsRoles.Viewer);

    public static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";
}

/// <summary>The seeded "admin" starts as the only administrator: a class of its own so no other test adds administrators.</summary>
public sealed class LastAdministratorTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Last_administrator_cannot_be_deleted_demoted_or_locked_and_a_demoted_admin_s_open_session_loses_its_powers()
    {
        var users = app.Services.GetRequiredService<UserAdministration>();
        var admin = (await users.ListAsync(CancellationToken.None)).Single(u => u.UserName == "admin");

        var delete = await Assert.ThrowsAsync<RefusedException>(() => users.DeleteAsync(admin.Id, People.Admin(), CancellationToken.None));
        var demote = await Assert.ThrowsAsync<RefusedException>(() => users.ChangeRoleAsync(admin.Id, ApiRole.Operator, People.Admin(), CancellationToken.None));
        var lockOut = await Assert.ThrowsAsync<RefusedException>(() => users.SetLockedAsync(admin.Id, true, People.Admin(), CancellationToken.None));
        Assert.All([delete, demote, lockOut], refused =>
        {
            Assert.Equal(RefusalKind.Conflict, refused.Kind);
            Assert.Contains("admin is the last administrator who can sign in", refused.Message);
            Assert.Contains("make another user an administrator first", refused.Message);
        });

        // A second administrator may demote the first; the first's open session (claims from its sign-in) is then refused.
        var ada = await users.CreateAsync(new NewUser("ada", ApiRole.Admin, People.Password), People.Admin(), CancellationToken.None);
        await users.ChangeRoleAsync(admin.Id, ApiRole.Viewer, People.Admin("ada"), CancellationToken.None);
        var stale = await Assert.ThrowsAsync<RefusedException>(() => users.DeleteAsync(ada.Id, People.Admin(), CancellationToken.None));
        Assert.Equal(RefusalKind.Forbidden, stale.Kind);

        // ada is now the last administrator: not even ada can remove ada.
        var self = await Assert.ThrowsAsync<RefusedException>(() => users.DeleteAsync(ada.Id, People.Admin("ada"), CancellationToken.None));
        Assert.Equal(RefusalKind.Conflict, self.Kind);
        Assert.Contains("ada is the last administrator", self.Message);

        var listed = await users.ListAsync(CancellationToken.None);
        Assert.Equal(ApiRole.Viewer, listed.Single(u => u.UserName == "admin").Role);
        Assert.Equal(ApiRole.Admin, listed.Single(u => u.UserName == "ada").Role);
        await using var db = await app.DbAsync();
        var change = await db.AuditEntries.SingleAsync(a => a.TargetType == "user" && a.TargetId == "admin" && a.Action == "role_changed");
        Assert.Equal(("ada", """{"role":"admin"}""", """{"role":"viewer"}"""), (change.Actor, change.Before, change.After));
        Assert.False(await db.AuditEntries.AnyAsync(a => a.TargetType == "user" && a.Action == "deleted"));
    }
}

public sealed class UserAdministrationTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private UserAdministration Users => app.Services.GetRequiredService<UserAdministration>();

    [Fact]
    public async Task Signed_in_viewer_asking_for_an_admin_page_is_told_it_needs_the_admin_role_not_sent_to_sign_in()
    {
        var name = People.Unique("viv");
        await Users.CreateAsync(new NewUser(name, ApiRole.Viewer, People.Password), People.Admin(), CancellationToken.None);
        var viewer = await SignedInClientAsync(name, People.Password);
        var admin = await SignedInClientAsync("admin", OpsConsoleFactory.AdminPassword);

        var page = await viewer.GetAsync("/admin/users");
        var export = await viewer.GetAsync("/export/audit.csv");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/access-denied?ReturnUrl=%2Fadmin%2Fusers", page.Headers.Location?.PathAndQuery);
        Assert.StartsWith("/access-denied", export.Headers.Location?.PathAndQuery);
        var denied = await (await viewer.GetAsync(page.Headers.Location!.PathAndQuery)).Content.ReadAsStringAsync();
        Assert.Contains("ask one for the Admin role", denied);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/users")).StatusCode);
    }

    private async Task<HttpClient> SignedInClientAsync(string user, string password)
    {
        var client = app.CreateClientWithToken(null);
        var login = await (await client.GetAsync("/login")).Content.ReadAsStringAsync();
        var signIn = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = Loopback.AntiforgeryToken(login),
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    [Fact]
    public async Task Created_user_gets_the_role_and_those_below_it_and_the_creation_is_audited()
    {
        var name = People.Unique("olga");

        var created = await Users.CreateAsync(new NewUser(name, ApiRole.Operator, People.Password), People.Admin(), CancellationToken.None);

        Assert.Equal(ApiRole.Operator, created.Role);
        await using var scope = app.Services.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await userManager.FindByNameAsync(name);
        Assert.Equal([OpsRoles.Operator, OpsRoles.Viewer], (await userManager.GetRolesAsync(user!)).Order());
        Assert.True(await userManager.CheckPasswordAsync(user!, People.Password));
        await using var db = await app.DbAsync();
        var audit = await db.AuditEntries.SingleAsync(a => a.TargetType == "user" && a.TargetId == name);
        Assert.Equal(("admin", ActorKind.User, "created", """{"role":"operator"}"""), (audit.Actor, audit.ActorKind, audit.Action, audit.After));
    }

    [Fact]
    public async Task Password_against_the_rules_is_refused_by_field_and_nothing_is_created_or_audited()
    {
        var name = People.Unique("weak");

        var refused = await Assert.ThrowsAsync<FieldErrorsException>(() => Users.CreateAsync(new NewUser(name, ApiRole.Viewer, "short"), People.Admin(), CancellationToken.None));

        Assert.Contains("at least 8 characters", string.Join(" ", refused.Errors["password"]));
        await using var db = await app.DbAsync();
        Assert.False(await db.Users.AnyAsync(u => u.UserName == name));
        Assert.False(await db.AuditEntries.AnyAsync(a => a.TargetId == name));
    }

    [Fact]
    public async Task Only_administrators_may_change_users()
    {
        var victim = await Users.CreateAsync(new NewUser(People.Unique("vic"), ApiRole.Viewer, People.Password), People.Admin(), CancellationToken.None);

        var byOperator = await Assert.ThrowsAsync<RefusedException>(() =>
            Users.ChangeRoleAsync(victim.Id, ApiRole.Admin, People.Person("admin", OpsRoles.Operator, OpsRoles.Viewer), CancellationToken.None));

        Assert.Equal(RefusalKind.Forbidden, byOperator.Kind);
        Assert.Equal(ApiRole.Viewer, (await Users.ListAsync(CancellationToken.None)).Single(u => u.Id == victim.Id).Role);
    }

    [Fact]
    public async Task Locked_user_cannot_sign_in_until_unlocked_and_a_reset_password_replaces_the_old_one()
    {
        var name = People.Unique("lou");
        var user = await Users.CreateAsync(new NewUser(name, ApiRole.Operator, People.Password), People.Admin(), CancellationToken.None);

        await Users.SetLockedAsync(user.Id, true, People.Admin(), CancellationToken.None);
        Assert.True(await SignInFailsAsync(name, People.Password));
        await Users.SetLockedAsync(user.Id, false, People.Admin(), CancellationToken.None);
        await Users.ResetPasswordAsync(user.Id, "Another-pass2", People.Admin(), CancellationToken.None);

        Assert.True(await SignInFailsAsync(name, People.Password));
        Assert.False(await SignInFailsAsync(name, "Another-pass2"));
        await using var db = await app.DbAsync();
        var actions = await db.AuditEntries.Where(a => a.TargetId == name).OrderBy(a => a.At).Select(a => a.Action).ToListAsync();
        Assert.Equal(["created", "locked", "unlocked", "password_reset"], actions.Where(a => !a.StartsWith("sign", StringComparison.Ordinal)));
    }

    private async Task<bool> SignInFailsAsync(string name, string password)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await userManager.FindByNameAsync(name);
        return await userManager.IsLockedOutAsync(user!) || !await userManager.CheckPasswordAsync(user!, password);
    }
}

public sealed class KeyRuleAndAuditAdministrationTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Key_is_answered_once_then_only_its_hash_exists_and_its_creation_is_audited_without_secrets()
    {
        var keys = app.Services.GetRequiredService<ApiKeyService>();

        var created = await keys.CreateAsync(new ApiKeyRequest("grafana", ApiRole.Viewer, null), People.Admin(), CancellationToken.None);

        await using var db = await app.DbAsync();
        var stored = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.Key.Id);
        Assert.Equal(Secrets.Hash(created.Secret), stored.KeyHash);
        Assert.DoesNotContain(created.Secret, string.Join("|", stored.Name, stored.Prefix, stored.KeyHash));
        var listed = await app.CreateAdminClient().GetStringAsync("/api/v1/orchestration/api-keys/?page_size=100");
        Assert.Contains("grafana", listed);
        Assert.DoesNotContain(created.Secret, listed);
        var audit = await db.AuditEntries.SingleAsync(a => a.TargetType == "api_key" && a.TargetId == created.Key.Id.ToString());
        Assert.Equal(("admin", "created"), (audit.Actor, audit.Action));
        Assert.DoesNotContain("key_hash", audit.After);
        Assert.DoesNotContain(stored.KeyHash, audit.After);

        var viewer = app.CreateClientWithToken(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/orchestration/tasks/")).StatusCode);
        await keys.RevokeAsync(created.Key.Id, People.Admin(), CancellationToken.None);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/api/v1/orchestration/tasks/")).StatusCode);
    }

    [Fact]
    public async Task Only_administrators_may_create_keys_through_the_service()
    {
        var keys = app.Services.GetRequiredService<ApiKeyService>();

        var refused = await Assert.ThrowsAsync<RefusedException>(() =>
            keys.CreateAsync(new ApiKeyRequest("sneaky", ApiRole.Admin, null), People.Person("admin", OpsRoles.Operator), CancellationToken.None));

        Assert.Equal(RefusalKind.Forbidden, refused.Kind);
        await using var db = await app.DbAsync();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.Name == "sneaky"));
    }

    [Fact]
    public async Task Deleted_rule_is_in_the_audit_trail_with_what_it_was()
    {
        var admin = app.CreateAdminClient();
        var rule = await admin.PostJsonAsync(Routes.Rules, new { name = People.Unique("Temporary"), rule_type = "task_creation", trigger_conditions = new { }, actions = new { max_retries = 1 } })
            .ObjectAsync(HttpStatusCode.Created);
        var id = (string)rule["id"]!;

        (await admin.DeleteAsync($"{Routes.Rules}{id}/")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await using var db = await app.DbAsync();
        var deleted = await db.AuditEntries.SingleAsync(a => a.TargetType == "rule" && a.TargetId == id && a.Action == "deleted");
        Assert.Equal("key:bootstrap", deleted.Actor);
        Assert.Contains("max_retries", deleted.Before);
        Assert.Contains("\"name\":", deleted.Before);
    }

    [Fact]
    public async Task Audit_export_is_the_filtered_trail_as_csv_for_administrators_only()
    {
        var admin = app.CreateAdminClient();
        var name = People.Unique("exported");
        await admin.PostJsonAsync("/api/v1/orchestration/api-keys/", new { name, role = "viewer" }).ObjectAsync(HttpStatusCode.Created);

        var csv = await admin.GetStringAsync($"/export/audit.csv?target_type=api_key&search={name}");
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);

        var lines = csv.TrimEnd().Split('\n');
        Assert.Equal("id,at,actor,actor_type,action,target_type,target_id,before,after,ip", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",key:bootstrap,api_key,created,api_key,", lines[1]);
        Assert.Contains(name, lines[1]);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/export/audit.csv")).StatusCode);
    }
}

internal static class StatusAssertions
{
    public static void ShouldBe(this HttpStatusCode actual, HttpStatusCode expected) => Assert.Equal(expected, actual);
}
