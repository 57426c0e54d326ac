using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
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
                o.AccessDeniedPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromDays(30);
                o.SlidingExpiration = true;
                o.Events = new CookieAuthenticationEvents
                {
                    // Machine routes answer 401/403, they never redirect to a sign-in page.
                    OnRedirectToLogin = c => MachineRoute(c.Request) ? Status(c.Response, 401) : Redirect(c),
                    OnRedirectToAccessDenied = c => MachineRoute(c.Request) ? Status(c.Response, 403) : Redirect(c),
                };
            }));

        services.AddIdentityCore<IdentityUser>(o =>
            {
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<OpsDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthorizationBuilder()
            .AddPolicy(OpsPolicies.Viewer, p => p.RequireRole(OpsRoles.Viewer, OpsRoles.Operator, OpsRoles.Admin))
            .AddPolicy(OpsPolicies.Operator, p => p.RequireRole(OpsRoles.Operator, OpsRoles.Admin))
            .AddPolicy(OpsPolicies.Admin, p => p.RequireRole(OpsRoles.Admin))
            .AddPolicy(OpsPolicies.ViewerOrAgent, p => p.RequireRole(OpsRoles.Viewer, OpsRoles.Operator, OpsRoles.Admin, OpsRoles.Agent))
            .AddPolicy(OpsPolicies.OperatorOrAgent, p => p.RequireRole(OpsRoles.Operator, OpsRoles.Admin, OpsRoles.Agent));
        services.AddCascadingAuthenticationState();
        return services;
    }

    private static bool MachineRoute(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs");

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
