using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace OpsConsole.Security;

/// <summary>
/// What the security headers and rate limits read of the <c>OpsConsole</c> section: <c>Api:WritesPerMinute</c> (writes one
/// API key or agent token may make a minute) and <c>WallFrameAncestors</c> (origins allowed to frame the wall screen).
/// </summary>
public sealed record ProtectionSettings(int WritesPerMinute, string? WallFrameAncestors);

/// <summary>Security headers on every answer and rate limits on sign-in and API writes.</summary>
public static class Protection
{
    public const int SignInPerMinute = 10;

    /// <summary>Per address for writes without a key (browser forms, anonymous webhooks).</summary>
    public const int AnonymousWritesPerMinute = 600;

    /// <summary>
    /// Blazor Server needs its own scripts, inline styles (MudBlazor) and a WebSocket to itself ('self' covers ws: and wss:
    /// to the page's own host and port); nothing else.
    /// </summary>
    private const string ConsolePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    /// <summary>The API reference and the Hangfire dashboard ship inline scripts of their own.</summary>
    private const string ToolPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static IServiceCollection AddOpsProtection(this IServiceCollection services)
    {
        // Framing is decided by UseSecurityHeaders alone (DENY, or the wall's configured framers), not by antiforgery's SAMEORIGIN.
        services.Configure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(o => o.SuppressXFrameOptionsHeader = true);
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var request = context.Request;
                if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/login"))
                {
                    return RateLimitPartition.GetFixedWindowLimiter($"signin:{Client(context)}",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = SignInPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
                }

                if (request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
                {
                    var token = ApiKeyAuthenticationHandler.BearerToken(request);
                    var perKey = context.RequestServices.GetRequiredService<ProtectionSettings>().WritesPerMinute;
                    var (who, limit) = token is null ? ("ip:" + Client(context), AnonymousWritesPerMinute) : ("key:" + Secrets.Hash(token)[..16], perKey);
                    return RateLimitPartition.GetFixedWindowLimiter($"write:{who}",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
                }

                return RateLimitPartition.GetNoLimiter("none");
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await response.WriteAsJsonAsync(new
                {
                    type = "https://httpstatuses.io/429",
                    title = "Too many requests",
                    status = 429,
                    detail = $"Too many requests from this client; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.",
                }, options: (System.Text.Json.JsonSerializerOptions?)null, contentType: "application/problem+json", cancellationToken: cancellationToken);
            };
        });
        return services;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            var path = context.Request.Path;
            var wallFramers = path.StartsWithSegments("/wall") ? context.RequestServices.GetService<ProtectionSettings>()?.WallFrameAncestors : null;
            if (string.IsNullOrWhiteSpace(wallFramers))
            {
                headers.XFrameOptions = "DENY";
            }

            if (!path.StartsWithSegments("/api/v1") && !path.StartsWithSegments("/hubs"))
            {
                var policy = path.StartsWithSegments("/api/docs") || path.StartsWithSegments("/hangfire") ? ToolPolicy : ConsolePolicy;

                // The wall screen may be framed by the origins OpsConsole:WallFrameAncestors names (a dashboard rotator); nothing else may.
                headers.ContentSecurityPolicy = string.IsNullOrWhiteSpace(wallFramers) ? policy : policy.Replace("frame-ancestors 'none'", $"frame-ancestors {wallFramers.Trim()}", StringComparison.Ordinal);
            }

            return Task.CompletedTask;
        });
        await next();
    });

    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
