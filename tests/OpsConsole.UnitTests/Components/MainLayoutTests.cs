using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Layout;
using OpsConsole.Security;
using OpsConsole.UnitTests.TestSupport;

namespace OpsConsole.UnitTests.Components;

/// <summary>The frame of every page: who is signed in, the pages they may open, the current one marked.</summary>
public sealed class MainLayoutTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private IRenderedComponent<MainLayout> Render()
    {
        context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return context.Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<h1>Page</h1>"))));
    }

    [Fact]
    public void An_admin_sees_the_pages_the_admin_group_and_the_page_inside_the_main_landmark()
    {
        var layout = Render();

        Assert.Equal(
            ["Dashboard", "Tasks", "Agents", "Rules", "Health", "Integrations", "Wall screen", "Users", "API keys", "Audit", "Background jobs", "API reference"],
            layout.FindAll("#ops-nav a.mud-nav-link").Select(a => a.TextContent.Trim()));
        Assert.NotNull(layout.Find("[role=group][aria-label=Administration]"));
        Assert.Equal("Page", layout.Find("main#main-content h1").TextContent);
        Assert.Contains("admin", layout.Find("header").TextContent);
        Assert.Equal("true", layout.Find(".mud-layout").GetAttribute("data-interactive"));
        // Pages that leave the console open in a new tab, safely.
        Assert.All(layout.FindAll("#ops-nav a[target=_blank]"), a => Assert.Equal("noopener noreferrer", a.GetAttribute("rel")));
        Assert.Equal(["wall", "hangfire", "api/docs"], layout.FindAll("#ops-nav a[target=_blank]").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public void While_writes_cannot_reach_the_database_every_page_says_so_and_the_banner_goes_when_it_is_back()
    {
        var layout = Render();
        Assert.Empty(layout.FindAll("[data-testid=database-banner]"));
        var availability = context.Services.GetRequiredService<OpsConsole.Data.DatabaseAvailability>();

        availability.Failed("busy");

        layout.WaitForAssertion(() => Assert.Contains("Database unavailable since", layout.Find("[data-testid=database-banner]").TextContent));
        Assert.Contains("(busy)", layout.Find("[data-testid=database-banner]").TextContent);
        availability.Reached();
        layout.WaitForAssertion(() => Assert.Empty(layout.FindAll("[data-testid=database-banner]")));
    }

    [Fact]
    public void A_viewer_sees_no_admin_pages_but_the_api_reference()
    {
        context.Authorization.SetAuthorized("viewer");
        context.Authorization.SetRoles(OpsRoles.Viewer);

        var layout = Render();

        Assert.Empty(layout.FindAll("[aria-label=Administration]"));
        Assert.DoesNotContain(layout.FindAll("#ops-nav a"), a => a.GetAttribute("href")!.StartsWith("admin/", StringComparison.Ordinal));
        Assert.Equal("API reference", layout.FindAll("#ops-nav a").Last().TextContent.Trim());
        Assert.Contains("viewer", layout.Find("header").TextContent);
    }

    [Fact]
    public void The_current_page_is_marked_and_the_mark_follows_navigation()
    {
        var layout = Render();
        Assert.Equal("Dashboard", layout.Find("#ops-nav a[aria-current=page]").TextContent.Trim());

        context.Services.GetRequiredService<NavigationManager>().NavigateTo("tasks/3f2504e0-4f89-11d3-9a0c-0305e82c3301");

        layout.WaitForAssertion(() =>
        {
            Assert.Equal("Tasks", layout.Find("#ops-nav a[aria-current=page]").TextContent.Trim());
            Assert.Single(layout.FindAll("#ops-nav a.active"));
        }, ConsoleTestContext.Patience);
    }

    [Fact]
    public void The_dashboard_holds_no_dialog_or_snackbar_host_and_the_first_other_page_brings_them_for_the_session()
    {
        var layout = Render();
        Assert.Empty(layout.FindAll("#mud-snackbar-container"));
        Assert.Empty(layout.FindAll(".mud-popover-provider"));

        var navigation = context.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("tasks");
        layout.WaitForAssertion(() => Assert.Single(layout.FindAll("#mud-snackbar-container")), ConsoleTestContext.Patience);
        Assert.Single(layout.FindAll(".mud-popover-provider"));

        navigation.NavigateTo("");
        layout.WaitForAssertion(() => Assert.Equal("Dashboard", layout.Find("#ops-nav a[aria-current=page]").TextContent.Trim()), ConsoleTestContext.Patience);
        Assert.Single(layout.FindAll("#mud-snackbar-container"));
    }

    [Fact]
    public void The_theme_and_navigation_buttons_are_named_and_left_to_the_browser()
    {
        var layout = Render();

        var theme = layout.Find("button[data-ops-toggle=theme]");
        Assert.Equal("Switch theme", theme.GetAttribute("aria-label"));
        Assert.Equal("button", theme.GetAttribute("type"));
        var nav = layout.Find("button[data-ops-toggle=nav]");
        Assert.Equal("ops-nav", nav.GetAttribute("aria-controls"));
        Assert.Equal("Toggle navigation", nav.GetAttribute("aria-label"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
