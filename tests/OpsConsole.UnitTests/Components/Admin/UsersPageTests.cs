using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Components.Pages.Admin;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components.Admin;

public sealed class UsersPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public async Task Without_any_user_the_page_says_how_to_add_one()
    {
        await using (var db = context.Db())
        {
            await db.Users.ExecuteDeleteAsync();
        }

        var page = context.Render<Users>();

        page.WaitForAssertion(() => Assert.Contains("No users yet. Create one with New user.", page.Markup), Patience);
    }

    [Fact]
    public async Task Users_are_listed_with_role_state_and_last_sign_in_and_you_are_marked()
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator), ("vic", ApiRole.Viewer));
        await using (var db = context.Db())
        {
            db.AuditEntries.Add(new AuditEntry { At = context.Now.AddMinutes(-5), Actor = "olga", Action = "signed_in", TargetType = "user", TargetId = "olga" });
            await db.SaveChangesAsync();
        }

        var page = context.Render<Users>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=user-row]").Count), Patience);
        var rows = page.FindAll("[data-testid=user-row]").Select(r => r.TextContent).ToList();
        Assert.Contains("admin (you)", rows[0]);
        Assert.Contains("Admin", rows[0]);
        Assert.Contains("olga", rows[1]);
        Assert.Contains("5m 0s ago", rows[1]);
        Assert.Contains("active", rows[1]);
        Assert.Contains("never", rows[2]);
    }

    [Fact]
    public async Task Password_that_breaks_the_rules_is_refused_next_to_the_field_and_nothing_is_created()
    {
        await context.SeedUsersAsync();
        var page = context.Render<Users>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")), Patience);

        page.Click("New user");
        page.Field("User name").Change("alice");
        page.Field("Initial password").Change("short");
        page.Click("Create user");

        page.WaitForAssertion(() => Assert.Contains("at least 8 characters", page.FieldError("Initial password")), Patience);
        Assert.NotEmpty(page.FindAll("[data-testid=user-form]"));
        await using var db = context.Db();
        Assert.False(await db.Users.AnyAsync(u => u.UserName == "alice"));
    }

    [Fact]
    public async Task New_user_is_created_with_the_chosen_role_listed_and_audited()
    {
        await context.SeedUsersAsync();
        var page = context.Render<Users>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")), Patience);

        page.Click("New user");
        page.Field("User name").Change("alice");
        page.Field("Initial password").Change("Alice-pass1");
        page.Click("Create user");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count), Patience);
        Assert.Empty(page.FindAll("[data-testid=user-form]"));
        Assert.Contains("alice", page.FindAll("[data-testid=user-row]")[1].TextContent);
        await using var db = context.Db();
        var audit = await db.AuditEntries.SingleAsync(a => a.TargetType == "user" && a.Action == "created");
        Assert.Equal(("admin", "alice"), (audit.Actor, audit.TargetId));
        Assert.Contains("\"role\":\"operator\"", audit.After);
    }

    [Fact]
    public async Task Locking_a_user_from_the_row_menu_marks_them_locked_and_you_cannot_delete_yourself()
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator));
        var popovers = context.Render<MudPopoverProvider>();
        var page = context.Render<Users>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count), Patience);

        page.Find("button[aria-label='Actions for admin']").Click();
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-menu-item")), Patience);
        var deleteYourself = popovers.FindAll(".mud-menu-item").Single(i => i.TextContent.Contains("Delete"));
        Assert.True(deleteYourself.ClassList.Any(c => c.EndsWith("disabled", StringComparison.Ordinal)) || deleteYourself.GetAttribute("aria-disabled") == "true", deleteYourself.OuterHtml);
        page.Find("button[aria-label='Actions for admin']").Click();

        page.Find("button[aria-label='Actions for olga']").Click();
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-menu-item"), i => i.TextContent.Trim() == "Lock"), Patience);
        popovers.FindAll(".mud-menu-item").Single(i => i.TextContent.Trim() == "Lock").Click();

        page.WaitForAssertion(() => Assert.Contains("locked", page.FindAll("[data-testid=user-row]")[1].TextContent), Patience);
        Assert.Contains("active", page.FindAll("[data-testid=user-row]")[0].TextContent);
    }

    [Fact]
    public async Task Database_failure_is_explained()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Users>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the users", page.Markup), Patience);
        Assert.Contains("no such table", page.Markup);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
