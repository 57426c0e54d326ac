using System.Collections.Concurrent;
using System.Security.Claims;

namespace OpsConsole.Security;

/// <summary>What a credential belongs to: a person (user id), an API key (key id) or an agent (agent id).</summary>
public enum CredentialKind
{
    User,
    ApiKey,
    Agent,
}

/// <summary>
/// A credential that stopped being good: revoked, rotated, deactivated, demoted, locked or deleted; on this node, or (scaled
/// out) on another node that said so.
/// </summary>
public readonly record struct RevokedCredential(CredentialKind Kind, string Id, bool FromAnotherNode = false)
{
    /// <summary>Whether <paramref name="user"/> signed in with this credential.</summary>
    public bool Matches(ClaimsPrincipal? user) => user is not null && Kind switch
    {
        CredentialKind.Agent => user.FindFirstValue(OpsClaims.AgentId) == Id,
        CredentialKind.ApiKey => user.FindFirstValue(OpsClaims.ApiKeyId) == Id,
        _ => user.FindFirstValue(OpsClaims.ActorKind) is null && user.FindFirstValue(ClaimTypes.NameIdentifier) == Id,
    };
}

/// <summary>
/// Remembers resolved API keys and agent tokens for a minute (never past a key's expiry) so each request does not hit
/// the database. Anything that revokes a credential calls <see cref="Revoke"/> once the change is committed: the cache is
/// emptied, so the next request is refused, and <see cref="Revoked"/> tells what is still open with it (hub connections,
/// console circuits) to close or re-check at once.
/// </summary>
public sealed class CredentialCache(TimeProvider time, ILogger<CredentialCache> logger)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (Claim[] Claims, DateTimeOffset Until)> entries = new();

    /// <summary>Raised after a credential was revoked; handlers must be quick (they run on the revoking request).</summary>
    public event Action<RevokedCredential>? Revoked;

    public Claim[]? Find(string hash)
    {
        if (entries.TryGetValue(hash, out var entry) && entry.Until > time.GetUtcNow())
        {
            return entry.Claims;
        }

        entries.TryRemove(hash, out _);
        return null;
    }

    /// <summary>Remembers <paramref name="claims"/> for a minute, or until <paramref name="expiresAt"/> when that is sooner.</summary>
    public void Remember(string hash, Claim[] claims, DateTimeOffset? expiresAt = null)
    {
        if (entries.Count > 10_000)
        {
            entries.Clear();
        }

        var until = time.GetUtcNow() + Lifetime;
        entries[hash] = (claims, expiresAt is { } expiry && expiry < until ? expiry : until);
    }

    public void Revoke(CredentialKind kind, string id, bool fromAnotherNode = false)
    {
        entries.Clear();
        foreach (var handler in Revoked?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<RevokedCredential>)handler)(new RevokedCredential(kind, id, fromAnotherNode));
            }
            catch (Exception ex)
            {
                SecurityLog.RevocationHandlerFailed(logger, ex, kind);
            }
        }
    }
}
