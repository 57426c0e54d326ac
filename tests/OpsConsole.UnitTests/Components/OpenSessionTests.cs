using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.Security;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>
/// A page opened before its user was demoted keeps nothing of the old role (#20 item 1): the action is refused where it is
/// done, and the page's sign-in is re-checked at once, not at the next reload.
/// </summary>
public sealed class OpenSessionTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private UserAdministration Users => context.Services.GetRequiredService<UserAdministration>();

    private static ClaimsPrincipal Admin => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, OpsRoles.Admin), new Claim(ClaimTypes.Role, OpsRoles.Operator), new Claim(ClaimTypes.Role, OpsRoles.Viewer)],
        "Identity.Application"));

    [Fact]
    public async Task A_demoted_operators_open_task_page_cannot_retry_and_says_why()
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator));
        await context.SeedAgentsAsync();
        var task = await context.CreateFailedTaskAsync("Migration failed on db-1");
        context.Authorization.SetAuthorized("olga");
        context.Authorization.SetRoles(OpsRoles.Operator, OpsRoles.Viewer);
        var page = context.Render<TaskDetail>(p => p.Add(d => d.Id, task.Id));
        page.WaitForAssertion(() => Assert.Contains("Migration failed on db-1", page.Markup), Patience);

        await Users.ChangeRoleAsync(await UserIdAsync("olga"), ApiRole.Viewer, Admin, CancellationToken.None);
        await page.FindAll("button").Single(b => b.TextContent.Trim() == "Retry").ClickAsync(new());

        var shown = context.Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "").ToList();
        Assert.Contains(shown, m => m.Contains("Only operators and administrators may do this") && m.Contains("sign in again"));
        await using var db = context.Db();
        Assert.Equal(WorkItemStatus.Failed, (await db.WorkItems.SingleAsync(w => w.Id == task.Id)).Status);
    }

    [Theory]
    [InlineData("demoted")]
    [InlineData("locked")]
    [InlineData("deleted")]
    public async Task An_open_circuit_loses_its_user_as_soon_as_an_administrator_changes_it(string change)
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator));
        var olga = await UserIdAsync("olga");
        using var state = new ConsoleAuthenticationState(
            NullLoggerFactory.Instance,
            context.Services.GetRequiredService<IServiceScopeFactory>(),
            context.Services.GetRequiredService<IOptions<IdentityOptions>>(),
            context.Services.GetRequiredService<CredentialCache>());
        state.SetAuthenticationState(Task.FromResult(new AuthenticationState(await SignedInAsync("olga"))));
        var signedOut = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.AuthenticationStateChanged += async changed => signedOut.TrySetResult(await changed);

        await (change switch
        {
            "demoted" => Users.ChangeRoleAsync(olga, ApiRole.Viewer, Admin, CancellationToken.None),
            "locked" => Users.SetLockedAsync(olga, true, Admin, CancellationToken.None),
            _ => Users.DeleteAsync(olga, Admin, CancellationToken.None),
        });

        var now = await signedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(now.User.Identity?.IsAuthenticated);
        Assert.True(state.SignedOutByChange);
    }

    [Fact]
    public async Task Another_users_change_leaves_an_open_circuit_alone()
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator), ("vic", ApiRole.Viewer));
        using var state = new ConsoleAuthenticationState(
            NullLoggerFactory.Instance,
            context.Services.GetRequiredService<IServiceScopeFactory>(),
            context.Services.GetRequiredService<IOptions<IdentityOptions>>(),
            context.Services.GetRequiredService<CredentialCache>());
        state.SetAuthenticationState(Task.FromResult(new AuthenticationState(await SignedInAsync("olga"))));

        await Users.SetLockedAsync(await UserIdAsync("vic"), true, Admin, CancellationToken.None);

        Assert.True((await state.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
        Assert.False(state.SignedOutByChange);
    }

    /// <summary>The principal Identity's sign-in puts in the cookie: id, name, roles and the security stamp.</summary>
    private async Task<ClaimsPrincipal> SignedInAsync(string name)
    {
        await using var scope = context.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<IdentityUser>>();
        return await factory.CreateAsync((await users.FindByNameAsync(name))!);
    }

    private async Task<string> UserIdAsync(string name)
    {
        await using var db = context.Db();
        return (await db.Users.SingleAsync(u => u.UserName == name)).Id;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
