using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// Who is acting right now, for the audit trail: set for each HTTP request by middleware and by console pages
/// before they call the engine. It flows with the async call, so the save that follows knows its author.
/// </summary>
public static class AuditContext
{
    private static readonly AsyncLocal<(Actor Actor, string? Ip)?> Current = new();

    public static (Actor Actor, string? Ip)? Value => Current.Value;

    public static void Set(Actor actor, string? ip) => Current.Value = (actor, ip);

    public static void Clear() => Current.Value = null;

    /// <summary>Puts back an author captured earlier (a queued write runs on the writer's flow, not its caller's).</summary>
    public static void Restore((Actor Actor, string? Ip)? author) => Current.Value = author;

    /// <summary>Makes <paramref name="actor"/> the author of what follows in this async flow, keeping the request's address.</summary>
    public static void Use(Actor actor) => Current.Value = (actor, Current.Value?.Ip);

    public static T Use<T>(Actor actor, Func<T> action)
    {
        Use(actor);
        return action();
    }
}
