using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>A console user as the Users page shows it.</summary>
public sealed record UserSummary(string Id, string UserName, ApiRole? Role, DateTimeOffset? LockedUntil, DateTime? LastSignIn)
{
    public bool IsLocked(DateTime now) => LockedUntil is { } until && until.UtcDateTime > now;
}

public sealed record NewUser(string UserName, ApiRole Role, string Password);

/// <summary>A refusal that names the fields at fault (user_name, password, role), so a form can show each next to its field.</summary>
public sealed class FieldErrorsException(IReadOnlyDictionary<string, string[]> errors)
    : RefusedException(RefusalKind.Invalid, string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>
/// Creates, changes and removes console users. Every change is checked here (the caller is still an administrator; nobody
/// removes, locks or demotes themselves; the last administrator stays) and written to the audit trail in the same transaction.
/// </summary>
public sealed class UserAdministration(
    IServiceScopeFactory scopes, AccessGuard guard, CredentialCache credentials, AuditWriter audit, TimeProvider time, ILogger<UserAdministration> logger)
{

    public async Task<List<UserSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name })
            .AsNoTracking().ToListAsync(cancellationToken);
        var signIns = await db.AuditEntries.AsNoTracking()
            .Where(a => a.TargetType == "user" && a.Action == "signed_in")
            .GroupBy(a => a.TargetId).Select(g => new { Name = g.Key, At = g.Max(a => a.At) })
            .ToDictionaryAsync(x => x.Name, x => x.At, cancellationToken);
        return users.Select(u => new UserSummary(
            u.Id,
            u.UserName ?? "",
            HighestRole(roles.Where(r => r.UserId == u.Id).Select(r => r.Name)),
            u.LockoutEnd,
            signIns.TryGetValue(u.UserName ?? "", out var at) ? at : null)).ToList();
    }

    public Task<UserSummary> CreateAsync(NewUser request, ClaimsPrincipal by, CancellationToken cancellationToken) =>
        ChangeAsync(by, async (users, _) =>
        {
            var name = request.UserName.Trim();
            if (name.Length is 0 or > 64)
            {
                throw Field("user_name", "Enter a user name of 1 to 64 characters (letters, digits and - . _ @ +).");
            }

            var user = new IdentityUser(name) { EmailConfirmed = true };
            var created = await users.CreateAsync(user, request.Password);
            Check(created);
            await SetRoleAsync(users, user, request.Role);
            return (user, "created", null, Snapshot(("role", Wire(request.Role))));
        }, cancellationToken);

    public Task<UserSummary> ChangeRoleAsync(string userId, ApiRole role, ClaimsPrincipal by, CancellationToken cancellationToken) =>
        ChangeAsync(by, async (users, self) =>
        {
            var user = await FindAsync(users, userId);
            var before = await RoleOfAsync(users, user);
            if (before == role)
            {
                return (user, null, null, null);
            }

            if (before == ApiRole.Admin)
            {
                await KeepAnAdministratorAsync(users, user, "demote");
            }

            NotYourself(user, self, "change your own role");

            await SetRoleAsync(users, user, role);
            await users.UpdateSecurityStampAsync(user);
            return (user, "role_changed", Snapshot(("role", before is { } b ? Wire(b) : null)), Snapshot(("role", Wire(role))));
        }, cancellationToken);

    public Task<UserSummary> ResetPasswordAsync(string userId, string newPassword, ClaimsPrincipal by, CancellationToken cancellationToken) =>
        ChangeAsync(by, async (users, _) =>
        {
            var user = await FindAsync(users, userId);
            var token = await users.GeneratePasswordResetTokenAsync(user);
            Check(await users.ResetPasswordAsync(user, token, newPassword));
            await users.ResetAccessFailedCountAsync(user);
            return (user, "password_reset", null, null);
        }, cancellationToken);

    public Task<UserSummary> SetLockedAsync(string userId, bool locked, ClaimsPrincipal by, CancellationToken cancellationToken) =>
        ChangeAsync(by, async (users, self) =>
        {
            var user = await FindAsync(users, userId);
            var before = user.LockoutEnd > time.GetUtcNow();
            if (locked)
            {
                if (await RoleOfAsync(users, user) == ApiRole.Admin)
                {
                    await KeepAnAdministratorAsync(users, user, "lock");
                }

                NotYourself(user, self, "lock yourself out");

                await users.SetLockoutEnabledAsync(user, true);
                Check(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
                await users.UpdateSecurityStampAsync(user);
            }
            else
            {
                Check(await users.SetLockoutEndDateAsync(user, null));
                await users.ResetAccessFailedCountAsync(user);
            }

            return (user, locked ? "locked" : "unlocked", Snapshot(("locked", before)), Snapshot(("locked", locked)));
        }, cancellationToken);

    public async Task DeleteAsync(string userId, ClaimsPrincipal by, CancellationToken cancellationToken) =>
        await ChangeAsync(by, async (users, self) =>
        {
            var user = await FindAsync(users, userId);
            var role = await RoleOfAsync(users, user);
            if (role == ApiRole.Admin)
            {
                await KeepAnAdministratorAsync(users, user, "delete");
            }

            NotYourself(user, self, "delete your own account");

            Check(await users.DeleteAsync(user));
            return (user, "deleted", Snapshot(("role", role is { } r ? Wire(r) : null)), null);
        }, cancellationToken);

    /// <summary>
    /// Runs one change for an administrator in one transaction with its audit entry
    /// (no entry when nothing changed), and answers the user as it is afterwards.
    /// </summary>
    private async Task<UserSummary> ChangeAsync(
        ClaimsPrincipal by,
        Func<UserManager<IdentityUser>, string, Task<(IdentityUser User, string? Action, string? Before, string? After)>> change,
        CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        var actor = by.ToActor();
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // One user change at a time across every node and process, so two administrators cannot demote each other and
        // leave none: the first write of the transaction takes the Admin role's row (PostgreSQL holds its row lock,
        // SQLite its write lock, until commit) and the last-administrator check below then sees every committed change.
        await db.Database.ExecuteSqlAsync($"UPDATE \"AspNetRoles\" SET \"ConcurrencyStamp\" = {Guid.NewGuid().ToString()} WHERE \"NormalizedName\" = {OpsRoles.Admin.ToUpperInvariant()}", cancellationToken);
        var (user, action, before, after) = await change(users, actor.Name);
        if (action is not null)
        {
            audit.Add(db, actor, action, "user", user.UserName ?? user.Id, AuditContext.Value?.Ip, before, after);
            await db.SaveChangesAsync(cancellationToken);
            SecurityLog.UserChanged(logger, user.UserName, action, actor.Name);
        }

        await transaction.CommitAsync(cancellationToken);
        if (action is "role_changed" or "locked" or "deleted" or "password_reset")
        {
            // Their open console pages re-check at once and their hub connections close (they sign in again).
            credentials.Revoke(CredentialKind.User, user.Id);
        }

        var role = action == "deleted" ? null : await RoleOfAsync(users, user);
        return new UserSummary(user.Id, user.UserName ?? "", role, user.LockoutEnd, null);
    }

    private static async Task<IdentityUser> FindAsync(UserManager<IdentityUser> users, string userId) =>
        await users.FindByIdAsync(userId) ?? throw RefusedException.NotFound("That user no longer exists; reload the list.");

    private static void NotYourself(IdentityUser user, string self, string what)
    {
        if (string.Equals(user.UserName, self, StringComparison.OrdinalIgnoreCase))
        {
            throw RefusedException.Conflict($"You cannot {what}; ask another administrator to do it.");
        }
    }

    /// <summary>
    /// Refuses to take away the last administrator who can still sign in (checked before "not yourself", so the last
    /// administrator hears the reason that matters: nobody else could undo it).
    /// </summary>
    private async Task KeepAnAdministratorAsync(UserManager<IdentityUser> users, IdentityUser user, string what)
    {
        var now = time.GetUtcNow();
        var others = (await users.GetUsersInRoleAsync(OpsRoles.Admin))
            .Count(u => u.Id != user.Id && (u.LockoutEnd is null || u.LockoutEnd <= now));
        if (others == 0)
        {
            throw RefusedException.Conflict(
                $"{user.UserName} is the last administrator who can sign in, so you cannot {what} them; make another user an administrator first.");
        }
    }

    /// <summary>A role includes the ones below it, as for API keys: an operator is also a viewer.</summary>
    private static async Task SetRoleAsync(UserManager<IdentityUser> users, IdentityUser user, ApiRole role)
    {
        var current = await users.GetRolesAsync(user);
        var wanted = OpsRoles.Implied(role).ToList();
        var remove = current.Where(r => Enum.TryParse<ApiRole>(r, out _) && !wanted.Contains(r)).ToList();
        if (remove.Count > 0)
        {
            Check(await users.RemoveFromRolesAsync(user, remove));
        }

        var add = wanted.Except(current).ToList();
        if (add.Count > 0)
        {
            Check(await users.AddToRolesAsync(user, add));
        }
    }

    private static async Task<ApiRole?> RoleOfAsync(UserManager<IdentityUser> users, IdentityUser user) =>
        HighestRole(await users.GetRolesAsync(user));

    public static ApiRole? HighestRole(IEnumerable<string?> roles)
    {
        ApiRole? highest = null;
        foreach (var name in roles)
        {
            if (Enum.TryParse<ApiRole>(name, out var role) && (highest is null || role > highest))
            {
                highest = role;
            }
        }

        return highest;
    }

    /// <summary>Identity's own messages, sorted to the field they are about.</summary>
    private static void Check(IdentityResult result)
    {
        if (result.Succeeded)
        {
            return;
        }

        var errors = result.Errors
            .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password"
                : e.Code.Contains("UserName", StringComparison.Ordinal) ? "user_name"
                : e.Code.Contains("Role", StringComparison.Ordinal) ? "role" : "user")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
        throw new FieldErrorsException(errors);
    }

    private static FieldErrorsException Field(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });

    private static string Wire(ApiRole role) => WireFormat.Of(role);

    private static string Snapshot(params (string Key, object? Value)[] values) =>
        JsonSerializer.Serialize(values.ToDictionary(v => v.Key, v => v.Value));
}
