using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>
/// The console's password sign-in. Whether a user name exists is not given away: an unknown name costs the same password
/// hashing as a known one and gets the same answer as a wrong password or a locked account. Every attempt is audited with
/// the address it came from.
/// </summary>
public sealed class ConsoleSignIn(
    SignInManager<IdentityUser> signIn,
    IPasswordHasher<IdentityUser> hasher,
    IDbContextFactory<OpsDbContext> dbFactory,
    AuditWriter audit,
    ILogger<ConsoleSignIn> logger)
{
    public const string Refusal =
        "The user name or password is wrong, or the account is locked after too many failed attempts. Check them and try again in a few minutes.";

    /// <summary>A hash to check unknown names' passwords against: same algorithm and work factor as real users'.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser("decoy"), Guid.NewGuid().ToString()));

    /// <summary>Signs the user in (sets the cookie) or answers the one refusal message.</summary>
    public async Task<string?> SignInAsync(string userName, string password, bool remember, string? ip)
    {
        var user = await signIn.UserManager.FindByNameAsync(userName);
        SignInResult result;
        if (user is null)
        {
            hasher.VerifyHashedPassword(new IdentityUser(userName), DecoyHash.Value, password);
            result = SignInResult.Failed;
        }
        else
        {
            result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        }

        await AuditAsync(userName, result.Succeeded ? "signed_in" : result.IsLockedOut ? "sign_in_locked_out" : "sign_in_failed", ip);
        if (result.Succeeded)
        {
            SecurityLog.SignedIn(logger, userName);
            return null;
        }

        SecurityLog.SignInFailed(logger, userName, user is null ? " (no such user)" : result.IsLockedOut ? " (locked out)" : "");
        return Refusal;
    }

    private async Task AuditAsync(string userName, string action, string? ip)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        audit.Add(db, new Actor(userName, ActorKind.User), action, "user", userName, ip);
        await db.SaveChangesAsync();
    }
}
