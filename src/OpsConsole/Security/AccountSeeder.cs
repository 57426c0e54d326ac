using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>The accounts a first start creates, from <c>OpsConsole:Admin</c> and <c>OpsConsole:Api:BootstrapKey</c>.</summary>
public sealed record AccountSettings(string AdminUserName, string? AdminPassword, string? BootstrapKey);

/// <summary>
/// First-start accounts: the roles, the first administrator (a generated password, printed once, when none is set) and the
/// bootstrap API key. Idempotent, as <see cref="Seeder"/> is: it only adds what is missing.
/// </summary>
public sealed class AccountSeeder(IDbContextFactory<OpsDbContext> dbFactory, IServiceProvider services, TimeProvider time)
{
    /// <summary>Creates what is missing; answers why the first administrator could not be created, or null.</summary>
    public async Task<string?> SeedAsync(AccountSettings settings, CancellationToken cancellationToken)
    {
        await SeedBootstrapKeyAsync(settings, cancellationToken);
        return await SeedAdminAsync(settings, cancellationToken);
    }

    private async Task SeedBootstrapKeyAsync(AccountSettings settings, CancellationToken cancellationToken)
    {
        if (settings.BootstrapKey is not { Length: >= 24 } bootstrap)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var hash = Secrets.Hash(bootstrap);
        if (!await db.ApiKeys.AnyAsync(k => k.KeyHash == hash, cancellationToken))
        {
            db.ApiKeys.Add(new ApiKey { Name = "bootstrap", Role = ApiRole.Admin, KeyHash = hash, Prefix = bootstrap[..6], CreatedOn = time.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    private async Task<string?> SeedAdminAsync(AccountSettings settings, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Enum.GetNames<ApiRole>())
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.Users.AnyAsync(cancellationToken))
        {
            return null;
        }

        var password = string.IsNullOrEmpty(settings.AdminPassword) ? Secrets.NewPassword() : settings.AdminPassword;
        var admin = new IdentityUser(settings.AdminUserName) { EmailConfirmed = true };
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
        {
            return $"the first administrator could not be created: {string.Join("; ", created.Errors.Select(e => e.Description))}";
        }

        await users.AddToRolesAsync(admin, Enum.GetNames<ApiRole>());
        if (string.IsNullOrEmpty(settings.AdminPassword))
        {
            // Printed once to the console, never to the log file.
            Console.WriteLine($"OpsConsole: created administrator '{settings.AdminUserName}' with password: {password}");
            Console.WriteLine("OpsConsole: this password is shown only now; set OpsConsole:Admin:Password to choose your own.");
        }

        return null;
    }
}
