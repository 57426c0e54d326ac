using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>Machine clients: <c>Authorization: Bearer &lt;api key or agent token&gt;</c> (or DRF's <c>Token</c> word), or <c>?access_token=</c> on the hub.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDbContextFactory<OpsDbContext> dbFactory,
    CredentialCache cache,
    DatabaseAvailability database,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Why the bearer credential was refused, for the 401's problem detail (revoked, expired, deactivated...).</summary>
    public static string? RefusalOf(HttpContext context) => context.Items[RefusalItem] as string;

    private const string RefusalItem = "ops:credential-refusal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = BearerToken(Request);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = Secrets.Hash(secret);
        if (cache.Find(hash) is { } known)
        {
            return Success(known);
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);

        if (secret.StartsWith(Secrets.AgentTokenPrefix, StringComparison.Ordinal))
        {
            var agent = await db.Agents.AsNoTracking().Where(a => a.TokenHash == hash).Select(a => new { a.Id, a.Name, a.IsActive }).FirstOrDefaultAsync();
            if (agent is null)
            {
                return Refuse("The agent token is not valid (it may have been rotated or its agent deleted).");
            }

            if (!agent.IsActive)
            {
                return Refuse("The agent is deactivated; its token works again once an administrator activates it.");
            }

            return Remember(hash,
            [
                new Claim(ClaimTypes.Name, agent.Name),
                new Claim(ClaimTypes.Role, OpsRoles.Agent),
                new Claim(OpsClaims.ActorKind, nameof(ActorKind.Agent)),
                new Claim(OpsClaims.AgentId, agent.Id.ToString()),
            ]);
        }

        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.KeyHash == hash);
        if (key is null || !key.IsUsable(now))
        {
            return Refuse(key is null ? "The API key is not valid." : key.RevokedAt is not null ? "The API key was revoked; ask an administrator for a new one." : "The API key expired; ask an administrator for a new one.");
        }

        // "Last used" is bookkeeping: while the database is unavailable it waits for a later request, rather than holding
        // this one for the write budget and turning a read the database could serve into a 500.
        if ((key.LastUsedAt is null || now - key.LastUsedAt > TimeSpan.FromMinutes(1)) && database.Outage is null)
        {
            key.LastUsedAt = now;
            try
            {
                await db.SaveChangesAsync();
            }
            catch (Exception ex) when (WriteConflicts.IsUnavailable(ex))
            {
                database.Failed(DatabaseAvailability.Reason(ex));
            }
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, $"key:{key.Name}"),
            new(OpsClaims.ActorKind, nameof(ActorKind.ApiKey)),
            new(OpsClaims.ApiKeyId, key.Id.ToString()),
        };
        claims.AddRange(OpsRoles.Implied(key.Role).Select(r => new Claim(ClaimTypes.Role, r)));
        return Remember(hash, [.. claims], key.ExpiresAt is { } expires ? new DateTimeOffset(expires, TimeSpan.Zero) : null);
    }

    private AuthenticateResult Refuse(string reason)
    {
        Context.Items[RefusalItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private AuthenticateResult Remember(string hash, Claim[] claims, DateTimeOffset? expiresAt = null)
    {
        cache.Remember(hash, claims, expiresAt);
        return Success(claims);
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    /// <summary>
    /// The key or token a machine client sent: <c>Authorization: Bearer …</c>, or DRF's <c>Authorization: Token …</c> that the
    /// original's clients send (same credential, other word).
    /// </summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        foreach (var scheme in (string[])["Bearer ", "Token "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                var value = header[scheme.Length..].Trim();
                return value.Length > 0 ? value : null;
            }
        }

        if (request.Path.StartsWithSegments("/hubs") && request.Query.TryGetValue("access_token", out var token) && !string.IsNullOrEmpty(token))
        {
            return token.ToString();
        }

        return null;
    }
}

public static class OpsClaims
{
    public const string ActorKind = "ops:actor_kind";
    public const string AgentId = "ops:agent_id";
    public const string ApiKeyId = "ops:api_key_id";

    public static Actor ToActor(this ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "anonymous";
        var kind = Enum.TryParse<ActorKind>(user.FindFirstValue(ActorKind), out var k) ? k : Domain.ActorKind.User;
        var agentId = Guid.TryParse(user.FindFirstValue(AgentId), out var id) ? id : (Guid?)null;
        return new Actor(name, kind, agentId);
    }
}

public static class OpsRoles
{
    public const string Admin = nameof(ApiRole.Admin);
    public const string Operator = nameof(ApiRole.Operator);
    public const string Viewer = nameof(ApiRole.Viewer);
    public const string Agent = "Agent";

    /// <summary>A role includes the ones below it.</summary>
    public static IEnumerable<string> Implied(ApiRole role) => role switch
    {
        ApiRole.Admin => [Admin, Operator, Viewer],
        ApiRole.Operator => [Operator, Viewer],
        _ => [Viewer],
    };
}

public static class OpsPolicies
{
    public const string Viewer = "ops:viewer";
    public const string Operator = "ops:operator";
    public const string Admin = "ops:admin";

    /// <summary>Viewers, and agents (who may read what they work on).</summary>
    public const string ViewerOrAgent = "ops:viewer-or-agent";

    /// <summary>Operators, or the agent that holds the task (checked again by the engine).</summary>
    public const string OperatorOrAgent = "ops:operator-or-agent";

    /// <summary>Administrators, or the agent itself (heartbeats: CONTRACT.md).</summary>
    public const string AdminOrAgent = "ops:admin-or-agent";
}
