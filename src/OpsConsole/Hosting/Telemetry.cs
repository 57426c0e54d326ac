using System.Text.RegularExpressions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpsConsole.Features.Health;
using OpsConsole.Security;

namespace OpsConsole.Hosting;

/// <summary>
/// OpenTelemetry metrics for Prometheus at <c>GET /metrics</c> (a Viewer API key as bearer): the console's own
/// (<see cref="OpsMetrics"/>), ASP.NET Core's and the runtime's, every series labelled with the node that serves it.
/// </summary>
public static partial class Telemetry
{
    public const string Path = "/metrics";

    /// <summary>The resource attribute, and label on every series, that names the node.</summary>
    public const string NodeLabel = "node";

    public static IServiceCollection AddOpsTelemetry(this IServiceCollection services, string node)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService("opsconsole", serviceInstanceId: node)
                .AddAttributes([new(NodeLabel, node)]))
            .WithMetrics(metrics => metrics
                .AddMeter(OpsMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter(o =>
                {
                    // Each scrape reads afresh; the database figures behind it are cached by MetricsSnapshot instead.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    o.ResourceConstantLabels = key => key == NodeLabel;
                }));
        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        // The observable gauges exist once OpsMetrics does: from the first scrape on, not from the first failure.
        app.ServiceProvider.GetRequiredService<OpsMetrics>();
        app.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(OpsPolicies.Viewer);
        return app;
    }

    /// <summary>OpsConsole:NodeName, or the machine's name and the port of the first address the node listens on.</summary>
    public static string NodeName(OpsConsoleOptions settings, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(settings.NodeName))
        {
            return settings.NodeName.Trim();
        }

        var first = (configuration["urls"] is { Length: > 0 } urls ? urls : OpsConsoleHosting.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        var port = PortOf().Match(first) is { Success: true } m ? m.Groups[1].Value : first.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? "443" : "80";
        return $"{Environment.MachineName}:{port}";
    }

    [GeneratedRegex(@":(\d+)/?$")]
    private static partial Regex PortOf();
}
