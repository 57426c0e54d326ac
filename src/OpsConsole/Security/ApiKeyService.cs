using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>The fields of a new API key, read and checked from a request body (the REST API's and the console's).</summary>
public sealed record ApiKeyRequest(string Name, ApiRole Role, DateTime? ExpiresAt)
{
    /// <summary>Null when the body has errors; they are in <paramref name="body"/>.</summary>
    public static ApiKeyRequest? Read(JsonBody body, DateTime now)
    {
        var name = body.String("name", required: true, max: 100);
        var role = body.Enum<ApiRole>("role", required: true);
        var expires = body.Time("expires_at");
        if (expires is { } e && e <= now)
        {
            body.Error("expires_at", "expires_at must be in the future");
        }

        return body.IsValid ? new ApiKeyRequest(name!, role!.Value, expires) : null;
    }

    /// <summary>
    /// The console's form, read as POST api-keys/ reads its body: a key that expires at the end of <paramref name="expiresOn"/> (UTC).
    /// </summary>
    public static Checked<ApiKeyRequest> FromForm(string name, ApiRole role, DateTime? expiresOn, DateTime now) => FormBodies.Read(
        new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = name,
            ["role"] = WireFormat.Of(role),
            ["expires_at"] = expiresOn is { } day ? DateTime.SpecifyKind(day.Date.AddDays(1), DateTimeKind.Utc).ToString("O") : null,
        },
        body => Read(body, now));
}

/// <summary>A key just created: the plain key is in this answer only; the database keeps its hash.</summary>
public sealed record CreatedApiKey(ApiKeyDto Key, string Secret);

/// <summary>Lists, creates and revokes API keys, for the api-keys/ routes and the console's API keys page alike.</summary>
public sealed class ApiKeyService(IDbContextFactory<OpsDbContext> dbFactory, UnitOfWork unitOfWork, AccessGuard guard, CredentialCache credentials, TimeProvider time, ILogger<ApiKeyService> logger)
{
    public async Task<List<ApiKeyDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var all = await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedOn).ToListAsync(cancellationToken);
        return all.Select(k => ApiKeyDto.From(k, now)).ToList();
    }

    public async Task<CreatedApiKey> CreateAsync(ApiKeyRequest request, ClaimsPrincipal by, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        AuditContext.Use(by.ToActor());
        var secret = Secrets.NewApiKey();
        var stored = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var entity = new ApiKey
            {
                Name = request.Name, Role = request.Role, KeyHash = Secrets.Hash(secret), Prefix = secret[..8], CreatedOn = now, ExpiresAt = request.ExpiresAt,
            };
            db.ApiKeys.Add(entity);
            await db.SaveChangesAsync(cancellationToken);
            return entity;
        }, cancellationToken);
        SecurityLog.ApiKeyCreated(logger, stored.Name, stored.Role, by.Identity?.Name);
        return new CreatedApiKey(ApiKeyDto.From(stored, time.GetUtcNow().UtcDateTime), secret);
    }

    /// <summary>Revokes a key at once (the credential cache is cleared); revoking a revoked key changes nothing.</summary>
    public async Task RevokeAsync(Guid keyId, ClaimsPrincipal by, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(by, ApiRole.Admin, cancellationToken);
        AuditContext.Use(by.ToActor());
        var name = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken) ?? throw RefusedException.NotFound("API key", keyId);
            key.RevokedAt ??= now;
            await db.SaveChangesAsync(cancellationToken);
            return key.Name;
        }, cancellationToken);
        credentials.Revoke(CredentialKind.ApiKey, keyId.ToString());
        SecurityLog.ApiKeyRevoked(logger, name, by.Identity?.Name);
    }
}
