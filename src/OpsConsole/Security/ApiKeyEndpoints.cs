using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>A new key with its secret, shown this once.</summary>
public sealed record NewApiKeyDto(Guid Id, string Name, string Role, string Prefix, DateTime CreatedOn, DateTime? ExpiresAt, string Key);

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
        var keys = api.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(OpsPolicies.Admin).WithMetadata(IdKind.ApiKey);
        keys.MapGet("/", async Task<Results<Ok<Page<ApiKeyDto>>, ValidationProblem>> (HttpRequest request, ApiKeyService service, CancellationToken ct) =>
        {
            var q = new ListQuery(request);
            return q.IsValid ? TypedResults.Ok(q.Paginate(await service.ListAsync(ct))) : q.Problem();
        }).WithMetadata(ListParameters.NumberedOnly.Instance);

        keys.MapPost("/", async Task<Results<Created<NewApiKeyDto>, RequestProblem>> (JsonRequest<NewApiKeyBody> body, HttpRequest request, ApiKeyService service, TimeProvider time, CancellationToken ct) =>
        {
            if (body is not { Value: { } value, Fields: { } fields })
            {
                return body.Problem!;
            }

            if (ApiKeyRequest.Read(value, fields, time.GetUtcNow().UtcDateTime) is not { } spec)
            {
                return fields.Problem();
            }

            var (dto, key) = await service.CreateAsync(spec, request.HttpContext.User, ct);
            return TypedResults.Created($"/api/v1/orchestration/api-keys/{dto.Id}/", new NewApiKeyDto(dto.Id, dto.Name, dto.Role, dto.Prefix, dto.CreatedOn, dto.ExpiresAt, key));
        });

        keys.MapDelete("/{id:guid}", async (Guid id, HttpContext context, ApiKeyService service, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, context.User, ct);
            return TypedResults.NoContent();
        });

        return api;
    }
}
