using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Audit;
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
        keys.MapGet("/", async (HttpRequest request, ApiKeyService service, CancellationToken ct) =>
        {
            var q = new ListQuery(request);
            return q.IsValid ? TypedResults.Ok(q.Paginate(await service.ListAsync(ct))) : q.Problem();
        }).Produces<Page<ApiKeyDto>>().WithMetadata(ListParameters.NumberedOnly.Instance);

        keys.MapPost("/", async (HttpRequest request, ApiKeyService service, TimeProvider time, CancellationToken ct) =>
        {
            var (body, problem) = await JsonBody.ReadAsync(request);
            if (body is null)
            {
                return problem!;
            }

            if (ApiKeyRequest.Read(body, time.GetUtcNow().UtcDateTime) is not { } spec)
            {
                return body.Problem();
            }

            var (dto, key) = await service.CreateAsync(spec, request.HttpContext.User, ct);
            return TypedResults.Created($"/api/v1/orchestration/api-keys/{dto.Id}/", new { dto.Id, dto.Name, dto.Role, dto.Prefix, dto.CreatedOn, dto.ExpiresAt, key });
        });

        keys.MapDelete("/{id}", async Task<IResult> (string id, HttpContext context, ApiKeyService service, CancellationToken ct) =>
        {
            if (!Guid.TryParse(id, out var keyId))
            {
                return Problems.BadRequest($"'{WorkItemEndpoints.Truncate(id)}' is not an API key id (UUID)");
            }

            await service.RevokeAsync(keyId, context.User, ct);
            return TypedResults.NoContent();
        }).Produces(204);

        var audit = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(OpsPolicies.Admin);
        audit.MapGet("/", async (HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken ct) =>
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
        }).Produces<Page<AuditEntryDto>>();
        return api;
    }
}
