using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>What the tests that talk to real processes and real pages on loopback share.</summary>
public static partial class Loopback
{
    /// <summary>A loopback port free at this moment (a child process binds it next).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The antiforgery token a console form carries, decoded as a browser posts it back (empty when there is none).</summary>
    public static string AntiforgeryToken(string html) => WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
