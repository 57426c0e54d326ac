using System.Linq.Expressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.Health;

public sealed record HealthSampleDto(
    Guid Id, string Component, string MetricName, JsonNode? MetricValue, string Status,
    JsonNode? ThresholdWarning, JsonNode? ThresholdCritical, DateTime LastCheck, DateTime CreatedOn, DateTime ModifiedOn)
{
    public static HealthSampleDto From(HealthSample h) => new(
        h.Id, h.Component, h.MetricName, ApiJson.Node(h.MetricValue), WireFormat.Of(h.Status),
        h.ThresholdWarning is null ? null : ApiJson.Node(h.ThresholdWarning),
        h.ThresholdCritical is null ? null : ApiJson.Node(h.ThresholdCritical),
        h.LastCheck, h.LastCheck, h.LastCheck);
}

/// <summary>/health/: the latest snapshot by default, the whole history with <c>?history=true</c> or a time filter.</summary>
public static class HealthEndpoints
{
    private static readonly Dictionary<string, Expression<Func<HealthSample, object?>>> Orderings = new()
    {
        ["component"] = h => h.Component,
        ["metric_name"] = h => h.MetricName,
        ["last_check"] = h => h.LastCheck,
        ["status"] = h => h.Status,
    };

    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        var health = api.MapGroup("/health").WithTags("Health").RequireAuthorization(OpsPolicies.Viewer).WithMetadata(IdKind.HealthSample);
        health.MapGet("/", ListAsync);
        health.MapGet("/{id:guid}", async Task<Results<Ok<HealthSampleDto>, NotFoundProblem>> (Guid id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var sample = await db.HealthSamples.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, cancellationToken);
            return sample is null ? Problems.NotFound("Health sample", id) : TypedResults.Ok(HealthSampleDto.From(sample));
        });
        return api;
    }

    private static async Task<Results<Ok<Page<HealthSampleDto>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<HealthSample> query = db.HealthSamples.AsNoTracking();
        var from = q.Time("last_check__gte");
        var to = q.Time("last_check__lte");
        var history = q.Bool("history") ?? (from is not null || to is not null);
        if (!history)
        {
            var latest = await db.HealthSamples.MaxAsync(h => (DateTime?)h.LastCheck, cancellationToken);
            query = query.Where(h => h.LastCheck == latest);
        }

        if (q.Strings("component") is { } components) query = query.Where(h => components.Contains(h.Component));
        if (q.Enums<HealthState>("status") is { } states) query = query.Where(h => states.Contains(h.Status));
        if (q.Text("metric_name", 100) is { } metric) query = query.Where(h => h.MetricName == metric);
        if (from is { } f) query = query.Where(h => h.LastCheck >= f);
        if (to is { } t) query = query.Where(h => h.LastCheck <= t);
        query = q.Order(query, Orderings, history ? "-last_check,component,metric_name" : "component,metric_name");
        return q.IsValid ? TypedResults.Ok(await q.PageAsync(db, query, HealthSampleDto.From, cancellationToken)) : q.Problem();
    }
}
