using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>
/// Writes an audit row, in the same save, for every task, agent, rule or API key that a person, an API key or an
/// agent changes: who, what, before and after (changed fields only, secrets left out), when and from where. Plugged into
/// every save at <see cref="SaveStage.Record"/>, after the changes derived from it (<see cref="SecurityServices.AddOpsAudit"/>).
/// </summary>
public sealed class AuditInterceptor(AuditWriter writer) : SaveInterceptor
{
    private static readonly HashSet<string> Secret = [nameof(Agent.TokenHash), nameof(ApiKey.KeyHash), "PasswordHash", "SecurityStamp", "ConcurrencyStamp"];

    /// <summary>
    /// Bookkeeping that follows from work (heartbeats, load, outcomes, a failure seen again, an agent's latest report), not a
    /// decision worth auditing. A repeat of a known failure is kept as its own failure record and a line in the task's log,
    /// as an agent's progress line is kept in the task's log; an audit row for each would bury the trail's decisions under
    /// a storm's thousands of counts and every running task's progress.
    /// </summary>
    private static readonly HashSet<string> Runtime =
    [
        "ModifiedOn", "ModifiedBy", nameof(Agent.LastHeartbeat), nameof(Agent.LastSeenIp), nameof(ApiKey.LastUsedAt), nameof(Agent.ActiveTaskCount),
        nameof(Agent.RecentOutcomes), nameof(Agent.TotalTasksCompleted), nameof(Agent.TotalTasksFailed), nameof(Agent.AverageCompletionTime),
        nameof(WorkItem.Occurrences), nameof(WorkItem.FirstSeen), nameof(WorkItem.LastSeen), nameof(WorkItem.LastReportAt),
    ];

    protected override void Saving(DbContext context)
    {
        if (AuditContext.Value is not { } who || who.Actor.Kind == ActorKind.Engine || context is not OpsDbContext db)
        {
            return;
        }

        var entries = context.ChangeTracker.Entries()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted
                && e.Entity is WorkItem or Agent or OrchestrationRule or ApiKey)
            .ToList();
        foreach (var entry in entries)
        {
            var changed = entry.Properties.Where(p => !Secret.Contains(p.Metadata.Name)
                && (entry.State != EntityState.Modified || p.IsModified) && !p.Metadata.IsShadowProperty()).ToList();
            var tokenRotated = entry.State == EntityState.Modified && entry.Entity is Agent && entry.Property(nameof(Agent.TokenHash)).IsModified;
            if (entry.State == EntityState.Modified && !tokenRotated && IsBookkeeping(entry, changed))
            {
                continue;
            }

            writer.Add(
                db,
                who.Actor,
                entry.State switch { EntityState.Added => "created", EntityState.Deleted => "deleted", _ when tokenRotated => "token_rotated", _ => "updated" },
                entry.Metadata.ClrType.Name switch { nameof(WorkItem) => "task", nameof(OrchestrationRule) => "rule", nameof(ApiKey) => "api_key", _ => "agent" },
                entry.Property("Id").CurrentValue?.ToString() ?? "",
                who.Ip,
                before: entry.State == EntityState.Added ? null : Snapshot(changed, p => p.OriginalValue),
                after: entry.State == EntityState.Deleted ? null : Snapshot(changed, p => p.CurrentValue));
        }
    }

    private static bool IsBookkeeping(EntityEntry entry, List<PropertyEntry> changed)
    {
        if (changed.All(p => Runtime.Contains(p.Metadata.Name)))
        {
            return true;
        }

        // An agent's status that moved with its load or a heartbeat (busy/available, offline/available).
        return entry.Entity is Agent
            && changed.Any(p => p.Metadata.Name is nameof(Agent.ActiveTaskCount) or nameof(Agent.LastHeartbeat))
            && changed.All(p => Runtime.Contains(p.Metadata.Name) || p.Metadata.Name == nameof(Agent.Status));
    }

    private static string Snapshot(IEnumerable<PropertyEntry> properties, Func<PropertyEntry, object?> value)
    {
        var values = new SortedDictionary<string, object?>();
        foreach (var p in properties)
        {
            var v = value(p);
            if (v is not null && EncryptedColumns.IsEncrypted(p.Metadata))
            {
                v = EncryptedColumns.AuditPlaceholder;
            }
            else if (v is string actions && p.Metadata.DeclaringType.ClrType == typeof(OrchestrationRule) && p.Metadata.Name == nameof(OrchestrationRule.Actions))
            {
                v = RuleSafety.MaskSecret(actions); // a notification rule's secret never reaches the audit trail
            }

            values[WireFormat.SnakeCase(p.Metadata.Name)] = v switch
            {
                Enum e => WireFormat.SnakeCase(e.ToString()),
                string s when s.Length > 2000 => s[..2000] + "…",
                System.Collections.IEnumerable list and not string => JsonSerializer.Serialize(list),
                _ => v,
            };
        }

        return JsonSerializer.Serialize(values);
    }
}
