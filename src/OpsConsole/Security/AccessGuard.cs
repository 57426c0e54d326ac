using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>
/// Services that change state check the caller themselves, not only the page or route in front of them: a page that forgot
/// its [Authorize], or a console tab opened before its user was demoted, locked or deleted, must not act beyond the user's
/// present role. A person's role and lockout are read from the database at the moment of the action; API keys and agent
/// tokens are resolved on each request (revocation clears the credential cache), so their claims are already current.
/// </summary>
public sealed class AccessGuard(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Refuses unless <paramref name="user"/> has at least <paramref name="role"/>, now.</summary>
    public async Task DemandAsync(ClaimsPrincipal user, ApiRole role, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true || !user.IsInRole(role.ToString()))
        {
            throw RefusedException.Forbidden(Refusal(role));
        }

        await DemandAsync(user.ToActor(), role, cancellationToken);
    }

    /// <summary>
    /// Refuses a person who no longer has <paramref name="role"/> (demoted, locked or deleted since signing in). The engine's
    /// own work, API keys and agents pass: their rights were checked when their request was authenticated.
    /// </summary>
    public async Task DemandAsync(Actor actor, ApiRole role, CancellationToken cancellationToken)
    {
        if (actor.Kind != ActorKind.User)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var normalized = actor.Name.ToUpperInvariant();
        var stored = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized)
            .Select(u => new
            {
                u.LockoutEnd,
                Roles = db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name).ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (stored is null || stored.LockoutEnd > time.GetUtcNow() || !(UserAdministration.HighestRole(stored.Roles) >= role))
        {
            throw RefusedException.Forbidden(Refusal(role) + " (Your account changed since you signed in: sign in again.)");
        }
    }

    private static string Refusal(ApiRole role) => role switch
    {
        ApiRole.Admin => "Only administrators may do this; ask an administrator for the Admin role.",
        ApiRole.Operator => "Only operators and administrators may do this; ask an administrator for the Operator role.",
        _ => "Only signed-in users with a role may do this; ask an administrator for a role.",
    };
}
