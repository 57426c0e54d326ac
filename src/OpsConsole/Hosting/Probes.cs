using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsConsole.Data;

namespace OpsConsole.Hosting;

/// <summary>
/// Ready when a write could succeed now (SQLite's write lock can be had, PostgreSQL answers), both databases answer and the
/// app's schema is fully migrated. While writes cannot reach the database it answers 503 saying so and since when
/// ("database: busy for 12 s"), so a load balancer sends traffic elsewhere; 200 again as soon as they can.
/// </summary>
public sealed class ReadinessCheck(IDbContextFactory<OpsDbContext> dbFactory, JobStorage jobs, DatabaseAvailability availability, TimeProvider time) : IHealthCheck
{
    /// <summary>How long the probe waits for the write lock: a readiness probe must answer well within a balancer's timeout.</summary>
    public static readonly TimeSpan ProbeBudget = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await availability.ProbeAsync(db, ProbeBudget, cancellationToken) && availability.Outage is { } outage)
            {
                var seconds = (int)(time.GetUtcNow().UtcDateTime - outage.Since).TotalSeconds;
                return HealthCheckResult.Unhealthy($"database: {outage.Reason} for {seconds} s");
            }

            if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            {
                return HealthCheckResult.Unhealthy("database not migrated");
            }

            jobs.GetMonitoringApi().GetStatistics();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database check failed");
        }
    }
}

public static class Probes
{
    public static IEndpointRouteBuilder MapProbes(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteReasonAsync }).AllowAnonymous();
        return app;
    }

    /// <summary>"Healthy", or "Unhealthy: database: busy for 12 s": an operator reading the probe sees what is wrong.</summary>
    private static Task WriteReasonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var reasons = report.Entries.Values.Select(e => e.Description).OfType<string>().ToList();
        return context.Response.WriteAsync(reasons.Count == 0 ? report.Status.ToString() : $"{report.Status}: {string.Join("; ", reasons)}");
    }
}
