using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>The fields of a new API key, read and checked from a request body (the REST API's and the console's).</summary>
public sealed record ApiKeyRequest(string Name, ApiRole Role, DateTime? ExpiresAt)
{
    /// <summary>Null when the body has errors; they are in <paramref name="fields"/>.</summary>
    public static ApiKeyRequest? Read(NewApiKeyBody body, BoundFields fields, DateTime now)
    {
        var name = fields.String("name", body.Name, required: true, max: 100);
        var role = fields.Enum<ApiRole>("role", body.Role, required: true);
        var expires = fields.Time("expires_at", body.ExpiresAt);
        if (expires is { } e && e <= now)
        {
            fields.Error("expires_at", "expires_at must be in the future");
        }

        return fields.IsValid ? new ApiKeyRequest(name!, role!.Value, expires) : null;
    }

    /// <summary>
    /// The console's form, read as POST api-keys/ reads its body: a key that expires at the end of <paramref name="expiresOn"/> (UTC).
    /// </summary>
    public static Checked<ApiKeyRequest> FromForm(string name, ApiRole role, DateTime? expiresOn, DateTime now)
    {
        var fields = new BoundFields();
        var expiresAt = expiresOn is { } day ? DateTime.SpecifyKind(day.Date.AddDays(1), DateTimeKind.Utc).ToString("O") : null;
        return FormBodies.Of(fields, Read(new NewApiKeyBody(name, WireFormat.Of(role), expiresAt), fields, now));
    }
}

/// <summary>POST api-keys/'s body: <c>name</c> (at most 100 characters), <c>role</c> (admin, operator or viewer) and an optional future <c>expires_at</c>.</summary>
public sealed record NewApiKeyBody(string? Name, string? Role, string? ExpiresAt = null) : IRequestRecord<NewApiKeyBody>
{
    public static JsonTypeInfo<NewApiKeyBody> JsonType => SecurityJson.Default.NewApiKeyBody;
}

/// <summary>The request records of Security's routes, bound by generated code.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(NewApiKeyBody))]
internal sealed partial class SecurityJson : JsonSerializerContext;

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
