using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
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
            var values = entry.Values();
            var fields = FieldsOf(entry.Metadata);
            var changed = entry.State == EntityState.Modified ? fields.Where(f => values.IsModified(f.Property)).ToList() : [.. fields];
            var tokenRotated = entry.State == EntityState.Modified && entry.Entity is Agent && values.IsModified(entry.Metadata.FindProperty(nameof(Agent.TokenHash))!);
            if (entry.State == EntityState.Modified && !tokenRotated && IsBookkeeping(entry, changed))
            {
                continue;
            }

            writer.Add(
                db,
                who.Actor,
                entry.State switch { EntityState.Added => "created", EntityState.Deleted => "deleted", _ when tokenRotated => "token_rotated", _ => "updated" },
                entry.Metadata.ClrType.Name switch { nameof(WorkItem) => "task", nameof(OrchestrationRule) => "rule", nameof(ApiKey) => "api_key", _ => "agent" },
                values.GetCurrentValue(entry.Metadata.FindProperty("Id")!)?.ToString() ?? "",
                who.Ip,
                before: entry.State == EntityState.Added ? null : Snapshot(changed, f => values.GetOriginalValue(f.Property)),
                after: entry.State == EntityState.Deleted ? null : Snapshot(changed, f => values.GetCurrentValue(f.Property)));
        }
    }

    private static bool IsBookkeeping(EntityEntry entry, List<Field> changed)
    {
        if (changed.All(f => Runtime.Contains(f.Property.Name)))
        {
            return true;
        }

        // An agent's status that moved with its load or a heartbeat (busy/available, offline/available).
        return entry.Entity is Agent
            && changed.Any(f => f.Property.Name is nameof(Agent.ActiveTaskCount) or nameof(Agent.LastHeartbeat))
            && changed.All(f => Runtime.Contains(f.Property.Name) || f.Property.Name == nameof(Agent.Status));
    }

    /// <summary>The changed fields' values as a JSON object, its members in name order.</summary>
    private static string Snapshot(List<Field> fields, Func<Field, object?> value)
    {
        var buffer = snapshotBuffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var json = snapshotWriter ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        json.WriteStartObject();
        foreach (var field in fields)
        {
            json.WritePropertyName(field.Name);
            var v = value(field);
            if (v is not null && field.Encrypted)
            {
                v = EncryptedColumns.AuditPlaceholder;
            }
            else if (v is string actions && field.RuleActions)
            {
                v = RuleSafety.MaskSecret(actions); // a notification rule's secret never reaches the audit trail
            }

            switch (v)
            {
                case null:
                    json.WriteNullValue();
                    break;
                case Enum e:
                    json.WriteStringValue(EnumNames.GetOrAdd(e, static name => WireFormat.SnakeCase(name.ToString()!)));
                    break;
                case string s:
                    json.WriteStringValue(s.Length > 2000 ? s[..2000] + "…" : s);
                    break;
                case System.Collections.IEnumerable list:
                    json.WriteStringValue(JsonSerializer.Serialize(list));
                    break;
                default:
                    JsonSerializer.Serialize(json, v, v.GetType());
                    break;
            }
        }

        json.WriteEndObject();
        json.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // One buffer and writer per thread, used again by every snapshot it writes (a save's parts run on one thread at a time).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? snapshotBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? snapshotWriter;

    private static readonly ConcurrentDictionary<object, string> EnumNames = new();

    /// <summary>What the trail may show of a type's properties (no secret, no shadow column), each with its wire name, in name order: worked out once per model.</summary>
    private static Field[] FieldsOf(IEntityType type) => Fields.GetValue(type, static type => [.. type.GetProperties()
        .Where(p => !Secret.Contains(p.Name) && !p.IsShadowProperty())
        .Select(p => new Field(p, WireFormat.SnakeCase(p.Name), EncryptedColumns.IsEncrypted(p),
            type.ClrType == typeof(OrchestrationRule) && p.Name == nameof(OrchestrationRule.Actions)))
        .OrderBy(f => f.Name, Comparer<string>.Default)]);

    private static readonly ConditionalWeakTable<IEntityType, Field[]> Fields = [];

    /// <summary>A property the trail records: its wire name, whether it is stored encrypted, whether it holds a rule's actions (secret masked).</summary>
    private sealed record Field(IProperty Property, string Name, bool Encrypted, bool RuleActions);
}
