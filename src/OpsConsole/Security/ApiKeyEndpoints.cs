using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

public sealed record ApiKeyDto(Guid Id, string Name, string Role, string Prefix, DateTime CreatedOn, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt, bool IsActive)
{
    public static ApiKeyDto From(ApiKey k, DateTime now) =>
        new(k.Id, k.Name, WireFormat.Of(k.Role), k.Prefix, k.CreatedOn, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.IsUsable(now));
}

/// <summary>api-keys/ (Admin): keys are shown once at creation and stored as hashes.</summary>
public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeyApi(this RouteGroupBuilder api)
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
                return Problems.BadRequest($"'{id.Clip(60)}' is not an API key id (UUID)");
            }

            await service.RevokeAsync(keyId, context.User, ct);
            return TypedResults.NoContent();
        }).Produces(204);

        return api;
    }
}
