using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OpsConsole.Security;

/// <summary>
/// The signed-in user of an open console page (a Blazor circuit), re-checked against the database: every 30 seconds, and
/// at once when an administrator demotes, locks, deletes or resets the user (<see cref="CredentialCache.Revoked"/>). A user
/// whose security stamp changed, or who no longer exists, is signed out of the page: it loses every action and says why.
/// </summary>
public sealed class ConsoleAuthenticationState : RevalidatingServerAuthenticationStateProvider
{
    public const string ChangedReason = "Your account was changed by an administrator (role, lock, password or removal) since you signed in. Sign in again to go on.";

    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<IdentityOptions> identity;
    private readonly CredentialCache credentials;
    private readonly Action<RevokedCredential> onRevoked;

    public ConsoleAuthenticationState(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity, CredentialCache credentials)
        : base(loggerFactory)
    {
        this.scopes = scopes;
        this.identity = identity;
        this.credentials = credentials;
        onRevoked = revoked => _ = RecheckAsync(revoked);
        credentials.Revoked += onRevoked;
    }

    /// <summary>True once this page's user was found changed; the page shows <see cref="ChangedReason"/>.</summary>
    public bool SignedOutByChange { get; private set; }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var valid = await IsCurrentAsync(authenticationState.User);
        SignedOutByChange |= !valid;
        return valid;
    }

    private async Task RecheckAsync(RevokedCredential revoked)
    {
        var state = await GetAuthenticationStateAsync();
        if (revoked.Matches(state.User) && !await IsCurrentAsync(state.User))
        {
            SignedOutByChange = true;
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
    }

    /// <summary>As Identity's own check: the user still exists and its security stamp is the one signed in with.</summary>
    private async Task<bool> IsCurrentAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return true;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await users.GetUserAsync(principal);
        if (user is null)
        {
            return false;
        }

        return !users.SupportsUserSecurityStamp
            || principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType) == await users.GetSecurityStampAsync(user);
    }

    protected override void Dispose(bool disposing)
    {
        credentials.Revoked -= onRevoked;
        base.Dispose(disposing);
    }
}
