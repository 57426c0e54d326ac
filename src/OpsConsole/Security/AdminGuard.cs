using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Security;

/// <summary>
/// Administration services check the caller themselves, not only the page or route in front of them: a page that forgot
/// its [Authorize], or a console tab opened before its user was demoted, locked or deleted, must not change users, keys or rules.
/// </summary>
public sealed class AdminGuard(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time)
{
    private const string Refusal = "Only administrators may do this; ask an administrator for the Admin role.";

    public async Task DemandAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true || !user.IsInRole(OpsRoles.Admin))
        {
            throw RefusedException.Forbidden(Refusal);
        }

        // API keys are looked up on every request (revocation clears the cache); a person's claims date from the sign-in.
        if (user.ToActor().Kind != ActorKind.User)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var normalized = (user.Identity.Name ?? "").ToUpperInvariant();
        var stored = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized)
            .Select(u => new
            {
                u.LockoutEnd,
                IsAdmin = db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == OpsRoles.Admin)),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (stored is null || !stored.IsAdmin || stored.LockoutEnd > time.GetUtcNow())
        {
            throw RefusedException.Forbidden(Refusal + " (Your account changed since you signed in: sign in again.)");
        }
    }
}
