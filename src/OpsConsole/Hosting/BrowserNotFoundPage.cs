using System.Net;

namespace OpsConsole.Hosting;

/// <summary>
/// A mistyped console address in a browser gets a page, not the API's JSON problem: a 404 with a link to the dashboard.
/// Only for a GET that asks for HTML outside the API, the hub and the assets; every other 404 stays a problem (the API's
/// clients read those).
/// </summary>
public static class BrowserNotFoundPage
{
    private static readonly string[] MachinePaths = ["/api", "/hubs", "/_blazor", "/_framework", "/_content", "/assets", "/openapi", "/healthz", "/export", "/hangfire"];

    /// <summary>Registered after the app's own status-code pages, so it answers first for the requests it takes.</summary>
    public static IApplicationBuilder UseBrowserNotFoundPage(this IApplicationBuilder app) =>
        app.UseWhen(IsBrowserPage, branch => branch.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (response.StatusCode != StatusCodes.Status404NotFound)
            {
                return; // left to the problem details
            }

            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(Page(context.HttpContext.Request.Path));
        }));

    private static bool IsBrowserPage(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        && !MachinePaths.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static string Page(PathString path) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Not found · OpsConsole</title>
        <style>body{margin:0;font-family:Roboto,Helvetica,Arial,sans-serif;background:#0f1a2a;color:#e6edf3;display:flex;min-height:100vh;align-items:center;justify-content:center}
        main{max-width:36rem;padding:2rem}h1{font-weight:400;font-size:2rem;margin:0 0 1rem}code{color:#9ecbff}a{color:#5eb1ff}</style></head>
        <body><main><h1>There is nothing at this address</h1>
        <p><code>{{WebUtility.HtmlEncode(path.Value)}}</code> is not a page of the console.</p>
        <p><a href="/">Go to the dashboard</a> · <a href="/tasks">Tasks</a> · <a href="/api/docs">API reference</a></p></main></body></html>
        """;
}
