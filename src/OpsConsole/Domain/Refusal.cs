namespace OpsConsole.Domain;

/// <summary>Why a request was refused, in the domain's words; the API maps each kind to its HTTP status in one place.</summary>
public enum RefusalKind
{
    /// <summary>The request itself is wrong (a field, a value, an action name): fix it and send it again.</summary>
    Invalid,

    /// <summary>What the request names does not exist.</summary>
    NotFound,

    /// <summary>The request is right but the state it meets does not allow it (a transition, a lease, a concurrent change).</summary>
    Conflict,

    /// <summary>The caller may not do this to this thing (an agent acting on another agent's task).</summary>
    Forbidden,

    /// <summary>Something the request needs is not available now (the database is busy); nothing was applied, send it again later.</summary>
    Unavailable,
}

/// <summary>A request the domain refuses, with a message a person can act on. No HTTP in it: the API maps <see cref="Kind"/>.</summary>
public class RefusedException(RefusalKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public RefusalKind Kind { get; } = kind;

    public static RefusedException NotFound(string what, Guid id) => new(RefusalKind.NotFound, $"{what} {id} was not found");

    public static RefusedException NotFound(string message) => new(RefusalKind.NotFound, message);

    public static RefusedException Conflict(string message) => new(RefusalKind.Conflict, message);

    public static RefusedException BadRequest(string message) => new(RefusalKind.Invalid, message);

    public static RefusedException Forbidden(string message) => new(RefusalKind.Forbidden, message);
}
