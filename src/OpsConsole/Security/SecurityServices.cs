using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Data;

namespace OpsConsole.Security;

public static class SecurityServices
{
    private const string SmartScheme = "Smart";

    public static IServiceCollection AddOpsSecurity(this IServiceCollection services)
    {
        services.AddSingleton<CredentialCache>();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or bearer", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.BearerToken(context.Request) is not null
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/access-denied";
                o.ExpireTimeSpan = TimeSpan.FromDays(30);
                o.SlidingExpiration = true;
                o.Events = new CookieAuthenticationEvents
                {
                    // Replacing the events drops Identity's own check; keep it, so a deleted, locked or demoted user's
                    // cookie stops working once their security stamp changes.
                    OnValidatePrincipal = SecurityStampValidator.ValidatePrincipalAsync,
                    // Machine routes answer 401/403, they never redirect to a sign-in page.
                    OnRedirectToLogin = c => MachineRoute(c.Request) ? Status(c.Response, 401) : Redirect(c),
                    OnRedirectToAccessDenied = c => MachineRoute(c.Request) ? Status(c.Response, 403) : Redirect(c),
                };
            }));

        services.AddOpsIdentity().AddSignInManager();
        services.AddScoped<ConsoleSignIn>();
        services.AddSingleton<AccountSeeder>();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.AddSingleton<AccessGuard>();
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<ApiKeyService>();

        services.AddAuthorizationBuilder()
            .AddPolicy(OpsPolicies.Viewer, p => p.RequireRole(OpsRoles.Viewer, OpsRoles.Operator, OpsRoles.Admin))
            .AddPolicy(OpsPolicies.Operator, p => p.RequireRole(OpsRoles.Operator, OpsRoles.Admin))
            .AddPolicy(OpsPolicies.Admin, p => p.RequireRole(OpsRoles.Admin))
            .AddPolicy(OpsPolicies.ViewerOrAgent, p => p.RequireRole(OpsRoles.Viewer, OpsRoles.Operator, OpsRoles.Admin, OpsRoles.Agent))
            .AddPolicy(OpsPolicies.OperatorOrAgent, p => p.RequireRole(OpsRoles.Operator, OpsRoles.Admin, OpsRoles.Agent))
            .AddPolicy(OpsPolicies.AdminOrAgent, p => p.RequireRole(OpsRoles.Admin, OpsRoles.Agent));
        services.AddCascadingAuthenticationState();
        return services;
    }

    /// <summary>
    /// Users, roles and their password rules (on the app's database), and the audit trail of what people, keys and agents
    /// change; the console's sign-in adds the SignInManager.
    /// </summary>
    public static IdentityBuilder AddOpsIdentity(this IServiceCollection services) =>
        services.AddOpsAudit().AddIdentityCore<IdentityUser>(o =>
            {
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<OpsDbContext>()
            .AddDefaultTokenProviders();

    /// <summary>The audit trail: its one writer, and the part of every save that records who changed what (after the changes derived from it).</summary>
    public static IServiceCollection AddOpsAudit(this IServiceCollection services)
    {
        services.TryAddSingleton<AuditWriter>();
        return services.AddSaveInterceptor<AuditInterceptor>(SaveStage.Record);
    }

    private static bool MachineRoute(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/metrics");

    private static Task Status(HttpResponse response, int code)
    {
        response.StatusCode = code;
        return Task.CompletedTask;
    }

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
