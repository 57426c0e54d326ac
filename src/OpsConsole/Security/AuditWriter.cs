using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>
/// The one place an audit row is made: the changes a save records (<see cref="AuditInterceptor"/>), sign-in attempts
/// (<see cref="ConsoleSignIn"/>) and user administration (<see cref="UserAdministration"/>). The row joins the context's next
/// save, so it commits with the change it describes or not at all.
/// </summary>
public sealed class AuditWriter(TimeProvider time)
{
    /// <summary>The audit columns' sizes (Data/Configurations/AuditEntryConfiguration): longer names are cut, never refused.</summary>
    private const int MaxActor = 150;
    private const int MaxTargetId = 64;

    public AuditEntry Add(
        OpsDbContext db, Actor actor, string action, string targetType, string targetId, string? ip, string? before = null, string? after = null)
    {
        var entry = new AuditEntry
        {
            At = time.GetUtcNow().UtcDateTime,
            Actor = Clip(actor.Name, MaxActor),
            ActorKind = actor.Kind,
            Action = action,
            TargetType = targetType,
            TargetId = Clip(targetId, MaxTargetId),
            Before = before,
            After = after,
            Ip = ip,
        };
        db.Append(entry); // after the rows it describes, in the same commit

        return entry;
    }

    private static string Clip(string value, int max) => value.Length > max ? value[..max] : value;
}
