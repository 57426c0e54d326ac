using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Security;

public sealed record ApiKeyDto(Guid Id, string Name, string Role, string Prefix, DateTime CreatedOn, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt, bool IsActive)
{
    public static ApiKeyDto From(ApiKey k, DateTime now) =>
        new(k.Id, k.Name, WireFormat.Of(k.Role), k.Prefix, k.CreatedOn, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.IsUsable(now));
}

public sealed record AuditEntryDto(Guid Id, DateTime At, string Actor, string ActorType, string Action, string TargetType, string TargetId, JsonNode? Before, JsonNode? After, string? Ip)
{
    public static AuditEntryDto From(AuditEntry a) => new(
        a.Id, a.At, a.Actor, WireFormat.Of(a.ActorKind), a.Action, a.TargetType, a.TargetId,
        a.Before is null ? null : ApiJson.Node(a.Before), a.After is null ? null : ApiJson.Node(a.After), a.Ip);
}

/// <summary>api-keys/ (Admin): keys are shown once at creation and stored as hashes; audit/ (Admin): the append-only trail.</summary>
public static class KeyAndAuditEndpoints
{
    public static RouteGroupBuilder MapKeyAndAuditApi(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(OpsPolicies.Admin);
        keys.MapGet("/", async (HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken ct) =>
        {
            var q = new ListQuery(request);
            if (!q.IsValid)
            {
                return q.Problem();
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = time.GetUtcNow().UtcDateTime;
            var all = await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedOn).ToListAsync(ct);
            return TypedResults.Ok(q.Paginate(all.Select(k => ApiKeyDto.From(k, now)).ToList()));
        }).Produces<Page<ApiKeyDto>>();

        keys.MapPost("/", async (HttpRequest request, OrchestrationEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var (body, problem) = await JsonBody.ReadAsync(request);
            if (body is null)
            {
                return problem!;
            }

            var name = body.String("name", required: true, max: 100);
            var role = body.Enum<ApiRole>("role", required: true);
            var expires = body.Time("expires_at");
            var now = time.GetUtcNow().UtcDateTime;
            if (expires is { } e && e <= now)
            {
                body.Error("expires_at", "expires_at must be in the future");
            }

            if (!body.IsValid)
            {
                return body.Problem();
            }

            var key = Secrets.NewApiKey();
            var stored = await engine.WriteAsync(async (db, at) =>
            {
                var entity = new ApiKey { Name = name!, Role = role!.Value, KeyHash = Secrets.Hash(key), Prefix = key[..8], CreatedOn = at, ExpiresAt = expires };
                db.ApiKeys.Add(entity);
                await db.SaveChangesAsync(ct);
                return entity;
            }, ct);
            var dto = ApiKeyDto.From(stored, now);
            return TypedResults.Created($"/api/v1/orchestration/api-keys/{stored.Id}/", new { dto.Id, dto.Name, dto.Role, dto.Prefix, dto.CreatedOn, dto.ExpiresAt, key });
        });

        keys.MapDelete("/{id}", async (string id, OrchestrationEngine engine, CredentialCache cache, CancellationToken ct) =>
        {
            if (!Guid.TryParse(id, out var keyId))
            {
                return Problems.BadRequest($"'{WorkItemEndpoints.Truncate(id)}' is not an API key id (UUID)");
            }

            return await WorkItemEndpoints.Run(async () =>
            {
                await engine.WriteAsync(async (db, now) =>
                {
                    var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId, ct) ?? throw EngineRefusedException.NotFound("API key", keyId);
                    key.RevokedAt ??= now;
                    await db.SaveChangesAsync(ct);
                    return key;
                }, ct);
                cache.Clear();
                return TypedResults.NoContent();
            });
        }).Produces(204);

        var audit = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(OpsPolicies.Admin);
        audit.MapGet("/", async (HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken ct) =>
        {
            var q = new ListQuery(request);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            IQueryable<AuditEntry> query = db.AuditEntries.AsNoTracking();
            if (q.Text("actor", 150) is { } actor) query = query.Where(a => a.Actor == actor);
            if (q.Text("target_type", 30) is { } type) query = query.Where(a => a.TargetType == type);
            if (q.Text("target_id", 64) is { } target) query = query.Where(a => a.TargetId == target);
            if (q.Text("action", 30) is { } action) query = query.Where(a => a.Action == action);
            if (q.Time("at__gte") is { } from) query = query.Where(a => a.At >= from);
            if (q.Time("at__lte") is { } to) query = query.Where(a => a.At <= to);
            query = query.OrderByDescending(a => a.At);
            return q.IsValid ? TypedResults.Ok(await q.PageAsync(query, AuditEntryDto.From, ct)) : q.Problem();
        }).Produces<Page<AuditEntryDto>>();
        return api;
    }
}
