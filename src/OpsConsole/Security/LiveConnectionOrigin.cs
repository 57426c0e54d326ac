using Microsoft.AspNetCore.Identity;
using OpsConsole.Api;

namespace OpsConsole.Security;

/// <summary>
/// A page on another site (another port of the same host counts) that a signed-in person opens can make the browser
/// connect to the hub or the Blazor endpoint with the console's cookie. Such a connection carries the other site's
/// <c>Origin</c>: one authenticated by the cookie is refused unless it comes from the console itself (or its
/// <c>OpsConsole:PublicUrl</c>). Clients that authenticate with a key or agent token are not riding on a cookie and may
/// connect from anywhere.
/// </summary>
public static class LiveConnectionOrigin
{
    public static IApplicationBuilder UseLiveConnectionOriginCheck(this IApplicationBuilder app, string publicUrl, params string[] paths) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (paths.Any(p => request.Path.StartsWithSegments(p))
                && request.Headers.Origin is [{ Length: > 0 } origin]
                && context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme
                && !IsOwnOrigin(origin, request, publicUrl))
            {
                await Problems.Create(StatusCodes.Status403Forbidden,
                    $"A live connection signed in with the console's cookie must come from the console's own pages, not from {origin}; " +
                    "scripts and agents connect with their key or agent token as the access token.").ExecuteAsync(context);
                return;
            }

            await next();
        });

    private static bool IsOwnOrigin(string origin, HttpRequest request, string publicUrl) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
        || (Uri.TryCreate(publicUrl, UriKind.Absolute, out var configured)
            && string.Equals(origin, configured.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase));
}
