using System.Collections.Concurrent;
using System.Security.Claims;

namespace OpsConsole.Security;

/// <summary>
/// Remembers resolved API keys and agent tokens for a minute so each request does not hit the database.
/// Anything that revokes or rotates a credential clears it, so the change takes effect at once.
/// </summary>
public sealed class CredentialCache(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (Claim[] Claims, DateTimeOffset Until)> entries = new();

    public Claim[]? Find(string hash)
    {
        if (entries.TryGetValue(hash, out var entry) && entry.Until > time.GetUtcNow())
        {
            return entry.Claims;
        }

        entries.TryRemove(hash, out _);
        return null;
    }

    public void Remember(string hash, Claim[] claims)
    {
        if (entries.Count > 10_000)
        {
            entries.Clear();
        }

        entries[hash] = (claims, time.GetUtcNow() + Lifetime);
    }

    public void Clear() => entries.Clear();
}
