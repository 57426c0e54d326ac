using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Components.Pages.Admin;

public sealed partial class Users
{
    private static readonly ApiRole[] Roles = [ApiRole.Admin, ApiRole.Operator, ApiRole.Viewer];

    private List<UserSummary> users = [];
    private UserForm? form;
    private UserSummary? resetting;
    private string newPassword = "";
    private IReadOnlyDictionary<string, string[]> errors = new Dictionary<string, string[]>();
    private string? me;

    [Inject] private UserAdministration Administration { get; set; } = default!;
    [Inject] private IOptions<IdentityOptions> IdentityOptions { get; set; } = default!;

    /// <summary>The password rules in force, in words (from the Identity options, so the hint cannot drift from the check).</summary>
    private string PasswordRules
    {
        get
        {
            var p = IdentityOptions.Value.Password;
            var needs = new List<string>();
            if (p.RequireUppercase) needs.Add("an upper-case letter");
            if (p.RequireLowercase) needs.Add("a lower-case letter");
            if (p.RequireDigit) needs.Add("a digit");
            if (p.RequireNonAlphanumeric) needs.Add("a symbol");
            var with = needs.Count switch
            {
                0 => "",
                1 => $", with {needs[0]}",
                _ => $", with {string.Join(", ", needs[..^1])} and {needs[^1]}",
            };
            return $"At least {p.RequiredLength} characters{with}.";
        }
    }

    protected override bool IsRelevant(DomainEvent domainEvent) => false;

    protected override async Task LoadAsync()
    {
        me ??= (await UserAsync()).Identity?.Name;
        users = await Administration.ListAsync(CancellationToken.None);
    }

    private static string RoleName(ApiRole? role) => role?.ToString() ?? "none";

    private static string RoleName(ApiRole role) => role.ToString();

    private bool IsYourself(UserSummary user) => string.Equals(user.UserName, me, StringComparison.OrdinalIgnoreCase);

    private static string LockTitle(UserSummary user) =>
        user.LockedUntil is { } until && until < DateTimeOffset.MaxValue.AddYears(-1) ? $"Locked until {until:u} (too many failed sign-ins)" : "Locked by an administrator";

    private string? Errors(string field) => errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private void NewUser()
    {
        CloseForms();
        form = new UserForm();
    }

    private void StartReset(UserSummary user)
    {
        CloseForms();
        resetting = user;
    }

    private void CloseForms()
    {
        form = null;
        resetting = null;
        newPassword = "";
        errors = new Dictionary<string, string[]>();
    }

    private async Task CreateAsync()
    {
        if (form is null)
        {
            return;
        }

        var missing = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(form.UserName)) missing["user_name"] = ["Enter a user name."];
        if (string.IsNullOrEmpty(form.Password)) missing["password"] = [$"Enter an initial password. {PasswordRules}"];
        if (missing.Count > 0)
        {
            errors = missing;
            return;
        }

        var name = form.UserName.Trim();
        if (await RunAsync(by => Administration.CreateAsync(new NewUser(name, form.Role, form.Password), by, CancellationToken.None),
            $"{name} created as {form.Role}. Give them their password in person or through your password manager."))
        {
            CloseForms();
        }
    }

    private async Task ResetPasswordAsync()
    {
        if (resetting is not { } user)
        {
            return;
        }

        if (string.IsNullOrEmpty(newPassword))
        {
            errors = new Dictionary<string, string[]> { ["password"] = [$"Enter the new password. {PasswordRules}"] };
            return;
        }

        if (await RunAsync(by => Administration.ResetPasswordAsync(user.Id, newPassword, by, CancellationToken.None),
            $"{user.UserName}: password changed. Their open sessions end within a minute."))
        {
            CloseForms();
        }
    }

    private async Task ChangeRoleAsync(UserSummary user, ApiRole? role)
    {
        if (role is not { } wanted || wanted == user.Role)
        {
            return;
        }

        await RunAsync(by => Administration.ChangeRoleAsync(user.Id, wanted, by, CancellationToken.None), $"{user.UserName} is now {wanted}.");
    }

    private async Task SetLockedAsync(UserSummary user, bool locked)
    {
        await RunAsync(
            by => Administration.SetLockedAsync(user.Id, locked, by, CancellationToken.None),
            locked ? $"{user.UserName} is locked: they cannot sign in until you unlock them." : $"{user.UserName} is unlocked and can sign in again.");
    }

    private async Task DeleteAsync(UserSummary user)
    {
        if (await ConfirmAsync(
            $"Delete {user.UserName}?",
            "They can no longer sign in, and this cannot be undone. Their past actions stay in the audit trail. To stop them only for a while, lock them instead.",
            yes: "Delete", cancel: "Keep"))
        {
            await RunAsync(by => Administration.DeleteAsync(user.Id, by, CancellationToken.None), $"{user.UserName} deleted.");
        }
    }

    /// <summary>Runs one change, says how it went, and reloads the list; field errors stay next to their fields.</summary>
    private Task<bool> RunAsync(Func<System.Security.Claims.ClaimsPrincipal, Task> change, string success) => ActAsync(
        async () =>
        {
            await change(await UserAsync());
            errors = new Dictionary<string, string[]>();
            Snackbar.Add(success, Severity.Success);
        },
        refused: ex =>
        {
            if (ex is not FieldErrorsException fields)
            {
                Warn(ex);
                return;
            }

            errors = fields.Errors;
            Snackbar.Add(fields.Errors.Keys.Any(k => k != "user") ? "Not saved: correct the fields marked in red." : $"Not saved: {fields.Message}", Severity.Warning);
        });

    private sealed class UserForm
    {
        public string UserName { get; set; } = "";
        public ApiRole Role { get; set; } = ApiRole.Operator;
        public string Password { get; set; } = "";
    }
}
