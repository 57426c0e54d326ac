using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Api;

namespace OpsConsole.Security;

/// <summary>
/// The API also accepts the console's sign-in cookie, and a browser sends that cookie with any form another site makes
/// it post (the API reads JSON whatever the content type says). So a write to the API that is authenticated by the
/// cookie, not by a bearer key, must carry the antiforgery token (header <c>RequestVerificationToken</c>).
/// </summary>
public static class CookieCsrf
{
    public static IApplicationBuilder UseCookieApiAntiforgery(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api")
            && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme
            && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            await Problems.BadRequest("A write signed in with the console's cookie needs its antiforgery token (RequestVerificationToken header); " +
                "scripts and agents send Authorization: Bearer <key> instead.").ExecuteAsync(context);
            return;
        }

        await next();
    });
}
