using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MudBlazor;

namespace OpsConsole.Components.Layout;

/// <summary>
/// The console's MudBlazor theme as two static stylesheets, /theme/dark.css and /theme/light.css, rendered once from
/// <see cref="MudThemeProvider"/> with <see cref="OpsTheme.Theme"/>. The page links the one the visitor chose (the
/// ops-theme cookie; the wall is always dark) and the theme button swaps the link in the browser: no theme provider
/// in each circuit, the choice survives a reload, and the page is painted in its theme before the circuit starts.
/// </summary>
public sealed partial class ThemeStylesheet(IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    public const string Cookie = "ops-theme";

    private Task<(Sheet Dark, Sheet Light)>? sheets;

    public sealed record Sheet(string Css, string Version);

    /// <summary>Dark unless the visitor chose light.</summary>
    public static bool IsDark(string? choice) => !string.Equals(choice, "light", StringComparison.Ordinal);

    public static string Mode(bool dark) => dark ? "dark" : "light";

    public async Task<Sheet> GetAsync(bool dark)
    {
        // Rendered on first use; a failed rendering is tried again by the next request instead of being kept.
        var rendering = sheets;
        if (rendering is null || rendering.IsFaulted || rendering.IsCanceled)
        {
            rendering = sheets = RenderBothAsync(scopes, loggers);
        }

        var (darkSheet, lightSheet) = await rendering;
        return dark ? darkSheet : lightSheet;
    }

    private static async Task<(Sheet, Sheet)> RenderBothAsync(IServiceScopeFactory scopes, ILoggerFactory loggers)
    {
        await using var html = new StaticHtml(scopes, loggers);
        return await html.InvokeAsync(async () => (await RenderAsync(html, dark: true), await RenderAsync(html, dark: false)));
    }

    private static async Task<Sheet> RenderAsync(StaticHtml html, bool dark)
    {
        var output = await html.RenderAsync<MudThemeProvider>(new Dictionary<string, object?>
        {
            [nameof(MudThemeProvider.Theme)] = OpsTheme.Theme,
            [nameof(MudThemeProvider.IsDarkMode)] = dark,
        });
        var css = string.Join('\n', StyleBlock().Matches(output).Select(m => m.Groups[1].Value.Trim()));
        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(css)))[..12];
        return new Sheet(css, version);
    }

    [GeneratedRegex("<style[^>]*>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}

public static class ThemeStylesheetEndpoints
{
    /// <summary>GET (and HEAD) /theme/dark.css and /theme/light.css, for everyone (the sign-in page is themed too).</summary>
    public static IEndpointRouteBuilder MapThemeStylesheet(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/theme/{mode}.css", [HttpMethods.Get, HttpMethods.Head], async (string mode, ThemeStylesheet themes, HttpContext http) =>
        {
            if (mode is not ("dark" or "light"))
            {
                return Results.NotFound();
            }

            var sheet = await themes.GetAsync(dark: mode == "dark");
            // The page links it with ?v=<version>: a new theme is a new address, so it can be cached for long.
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            if (HttpMethods.IsHead(http.Request.Method))
            {
                http.Response.ContentType = "text/css; charset=utf-8";
                http.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(sheet.Css);
                return Results.Empty;
            }

            return Results.Text(sheet.Css, "text/css; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
