using Microsoft.AspNetCore.Identity;

namespace OpsConsole.Security;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post with the antiforgery token (the layout's sign-out button).
        app.MapPost("/logout", async (SignInManager<IdentityUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/login");
        });
        return app;
    }
}
