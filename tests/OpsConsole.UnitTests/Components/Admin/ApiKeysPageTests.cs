using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Components.Pages.Admin;
using OpsConsole.Domain;
using OpsConsole.Security;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components.Admin;

public sealed class ApiKeysPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Without_keys_the_page_says_what_they_are_for()
    {
        var page = context.Render<ApiKeys>();

        page.WaitForAssertion(() => Assert.Contains("No API keys yet.", page.Markup), Patience);
    }

    [Fact]
    public async Task Keys_are_listed_with_role_expiry_use_and_state_but_never_the_key()
    {
        await using (var db = context.Db())
        {
            db.ApiKeys.Add(new ApiKey { Name = "grafana", Role = ApiRole.Viewer, KeyHash = Secrets.Hash("ops_grafana-secret"), Prefix = "ops_graf", CreatedOn = context.Now.AddDays(-2), LastUsedAt = context.Now.AddMinutes(-3) });
            db.ApiKeys.Add(new ApiKey { Name = "old-ci", Role = ApiRole.Operator, KeyHash = Secrets.Hash("ops_old"), Prefix = "ops_old_", CreatedOn = context.Now.AddDays(-9), RevokedAt = context.Now.AddDays(-1) });
            await db.SaveChangesAsync();
        }

        var page = context.Render<ApiKeys>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=key-row]").Count), Patience);
        var rows = page.FindAll("[data-testid=key-row]").Select(r => r.TextContent).ToList();
        Assert.Contains("grafana", rows[0]);
        Assert.Contains("Viewer", rows[0]);
        Assert.Contains("3m 0s ago", rows[0]);
        Assert.Contains("active", rows[0]);
        Assert.Contains("Revoke", rows[0]);
        Assert.Contains("revoked", rows[1]);
        Assert.DoesNotContain("Revoke", rows[1]);
        Assert.DoesNotContain("grafana-secret", page.Markup);
    }

    [Fact]
    public async Task Blank_name_is_refused_next_to_the_field_with_the_api_s_words()
    {
        await context.SeedUsersAsync();
        var page = context.Render<ApiKeys>();
        page.WaitForAssertion(() => Assert.Contains("No API keys yet.", page.Markup), Patience);

        page.Click("New key");
        page.Click("Create key");

        page.WaitForAssertion(() => Assert.Equal("name is required and may not be blank", page.FieldError("Name")), Patience);
        await using var db = context.Db();
        Assert.False(await db.ApiKeys.AnyAsync());
    }

    [Fact]
    public async Task Created_key_is_shown_once_in_a_dialog_and_only_its_hash_is_stored()
    {
        await context.SeedUsersAsync();
        var dialogs = context.Render<MudDialogProvider>();
        var page = context.Render<ApiKeys>();
        page.WaitForAssertion(() => Assert.Contains("No API keys yet.", page.Markup), Patience);

        page.Click("New key");
        page.Field("Name").Change("ci-runner");
        page.Click("Create key");

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=one-time-key]")), Patience);
        var key = dialogs.Find("[data-testid=one-time-key]").TextContent.Trim();
        Assert.StartsWith(Secrets.ApiKeyPrefix, key);
        Assert.Contains("only time it is shown", dialogs.Markup);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=key-row]")), Patience);
        await using (var db = context.Db())
        {
            var stored = await db.ApiKeys.SingleAsync();
            Assert.Equal(Secrets.Hash(key), stored.KeyHash);
            Assert.Equal(ApiRole.Operator, stored.Role);
        }

        dialogs.FindAll("button").First(b => b.TextContent.Contains("I have stored it")).Click();
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=one-time-key]")), Patience);
        Assert.DoesNotContain(key, page.Markup + dialogs.Markup);
    }

    [Fact]
    public async Task Database_failure_is_explained()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<ApiKeys>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the API keys", page.Markup), Patience);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
