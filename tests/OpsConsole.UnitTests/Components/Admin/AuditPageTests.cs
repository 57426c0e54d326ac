using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages.Admin;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components.Admin;

public sealed class AuditPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Empty_trail_says_changes_will_appear_here()
    {
        var page = context.Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Contains("Nothing audited yet", page.Markup), Patience);
        Assert.Equal("0 entries", page.Find("[data-testid=audit-count]").TextContent.Trim());
    }

    [Fact]
    public async Task Entries_are_listed_newest_first_with_the_changed_fields()
    {
        await SeedAsync();

        var page = context.Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Equal("3 entries", page.Find("[data-testid=audit-count]").TextContent.Trim()), Patience);
        var rows = page.FindAll("tbody tr.mud-table-row").Select(r => r.TextContent).ToList();
        Assert.Contains("deleted", rows[0]);
        Assert.Contains("priority: low → high", rows[1]);
        Assert.Contains("signed_in", rows[2]);
    }

    [Fact]
    public async Task Expanding_a_row_shows_before_and_after_side_by_side()
    {
        await SeedAsync();
        var page = context.Render<AuditTrail>();
        page.WaitForAssertion(() => Assert.Equal("3 entries", page.Find("[data-testid=audit-count]").TextContent.Trim()), Patience);

        page.FindAll("tbody tr.mud-table-row")[1].QuerySelector("button")!.Click();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=audit-changes]")), Patience);
        var changes = page.Find("[data-testid=audit-changes]");
        var priority = changes.QuerySelectorAll("tbody tr").Single(r => r.TextContent.Contains("priority"));
        Assert.Equal(["low", "high"], priority.QuerySelectorAll("td").Select(td => td.TextContent));
    }

    [Fact]
    public async Task Filter_in_the_address_narrows_the_list_and_the_export_link()
    {
        await SeedAsync();
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("admin/audit?action=deleted");

        var page = context.Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Equal("1 entry", page.Find("[data-testid=audit-count]").TextContent.Trim()), Patience);
        Assert.Contains("export/audit.csv?action=deleted", page.Markup);
    }

    [Fact]
    public async Task Filter_that_matches_nothing_says_to_clear_a_filter()
    {
        await SeedAsync();
        context.Services.GetRequiredService<NavigationManager>().NavigateTo("admin/audit?search=no-such-thing");

        var page = context.Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Contains("No entry matches these filters", page.Markup), Patience);
    }

    [Fact]
    public async Task Database_failure_is_explained()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the audit trail", page.Markup), Patience);
    }

    private async Task SeedAsync()
    {
        await using var db = context.Db();
        db.AuditEntries.Add(new AuditEntry { At = context.Now.AddMinutes(-30), Actor = "admin", ActorKind = ActorKind.User, Action = "signed_in", TargetType = "user", TargetId = "admin", Ip = "10.0.0.5" });
        db.AuditEntries.Add(new AuditEntry
        {
            At = context.Now.AddMinutes(-20), Actor = "key:ci", ActorKind = ActorKind.ApiKey, Action = "updated", TargetType = "task", TargetId = "t-1",
            Before = """{"modified_on":"2026-01-31T11:00:00Z","priority":"low"}""", After = """{"modified_on":"2026-01-31T11:40:00Z","priority":"high"}""",
        });
        db.AuditEntries.Add(new AuditEntry { At = context.Now.AddMinutes(-10), Actor = "admin", ActorKind = ActorKind.User, Action = "deleted", TargetType = "rule", TargetId = "r-1", Before = """{"name":"Old rule"}""" });
        await db.SaveChangesAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
