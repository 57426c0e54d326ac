using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Api;

namespace OpsConsole.Security;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post with the antiforgery token (the layout's sign-out button).
        // Minimal APIs check the token only for endpoints that bind a form; this one binds nothing, so it checks itself
        // (without it, any page could sign a user out).
        app.MapPost("/logout", async Task<Results<RedirectHttpResult, BadRequestProblem>> (HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Problems.Invalid("Sign out with the console's Sign out button; the request had no valid antiforgery token.");
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/login");
        });
        return app;
    }
}
