using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.Audit;

public sealed record AuditEntryDto(Guid Id, DateTime At, string Actor, string ActorType, string Action, string TargetType, string TargetId, JsonNode? Before, JsonNode? After, string? Ip)
{
    public static AuditEntryDto From(AuditEntry a) => new(
        a.Id, a.At, a.Actor, WireFormat.Of(a.ActorKind), a.Action, a.TargetType, a.TargetId,
        a.Before is null ? null : ApiJson.Node(a.Before), a.After is null ? null : ApiJson.Node(a.After), a.Ip);
}

/// <summary>audit/ (Admin): the append-only trail.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(OpsPolicies.Admin);
        audit.MapGet("/", async Task<Results<Ok<Page<AuditEntryDto>>, ValidationProblem>> (HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken ct) =>
        {
            var q = new ListQuery(request);
            var search = new AuditSearch
            {
                Actor = q.Text("actor", 150),
                TargetType = q.Text("target_type", 30),
                TargetId = q.Text("target_id", 64),
                Action = q.Text("action", 30),
                From = q.Time("at__gte"),
                To = q.Time("at__lte"),
                Text = q.Text("search"),
            };
            if (!q.IsValid)
            {
                return q.Problem();
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            return TypedResults.Ok(await q.PageAsync(db, AuditQueries.Filter(db.AuditEntries.AsNoTracking(), search), AuditEntryDto.From, ct));
        });
        return api;
    }
}
