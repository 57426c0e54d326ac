using System.Net;
using System.Text.RegularExpressions;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>The theme is a stylesheet the page links (dark unless the visitor chose light); the wall is always dark.</summary>
public sealed partial class ThemeTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Both_theme_stylesheets_carry_the_console_palette_and_can_be_cached()
    {
        var client = app.CreateClientWithToken(null);

        var dark = await client.GetAsync("/theme/dark.css");
        var light = await client.GetAsync("/theme/light.css");

        await dark.ExpectAsync(HttpStatusCode.OK);
        await light.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("text/css", dark.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", dark.Headers.CacheControl?.ToString());
        var darkCss = await dark.Content.ReadAsStringAsync();
        var lightCss = await light.Content.ReadAsStringAsync();
        Assert.Contains("--mud-native-html-color-scheme: dark", darkCss);
        Assert.Contains("--mud-native-html-color-scheme: light", lightCss);
        Assert.Contains("--mud-palette-primary: rgba(21,101,192,1)", lightCss); // OpsTheme's light primary, #1565c0
        Assert.DoesNotContain("<style", darkCss);
    }

    [Fact]
    public async Task A_HEAD_request_learns_the_stylesheet_is_there_without_its_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/theme/dark.css");

        var response = await app.CreateClientWithToken(null).SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_unknown_theme_is_a_404()
    {
        var response = await app.CreateClientWithToken(null).GetAsync("/theme/sepia.css");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Pages_link_the_dark_theme_until_the_visitor_chooses_light()
    {
        var anonymous = app.CreateClientWithToken(null);

        var first = await anonymous.GetStringAsync("/login");
        Assert.Equal(("dark", "dark"), Theme(first));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("Cookie", "ops-theme=light");
        var chosen = await (await anonymous.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Equal(("light", "light"), Theme(chosen));

        // The linked address is the one the stylesheet is served at (its version included).
        var href = LinkedTheme().Match(chosen).Groups["href"].Value.Replace("&amp;", "&", StringComparison.Ordinal);
        var sheet = await anonymous.GetAsync("/" + href);
        await sheet.ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("--mud-native-html-color-scheme: light", await sheet.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_wall_is_dark_whatever_the_visitor_chose()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/wall");
        request.Headers.Add("Cookie", "ops-theme=light");

        var response = await app.CreateAdminClient().SendAsync(request);

        await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("dark", "dark"), Theme(await response.Content.ReadAsStringAsync()));
    }

    private static (string Attribute, string Sheet) Theme(string html) =>
        (HtmlTheme().Match(html).Groups["mode"].Value, LinkedTheme().Match(html).Groups["mode"].Value);

    [GeneratedRegex("<html lang=\"en\" data-theme=\"(?<mode>[a-z]+)\"")]
    private static partial Regex HtmlTheme();

    [GeneratedRegex("<link id=\"ops-theme\" href=\"(?<href>theme/(?<mode>[a-z]+)\\.css\\?v=[0-9a-f]{12})\"")]
    private static partial Regex LinkedTheme();
}
