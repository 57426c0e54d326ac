using System.Text.Json;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// The execution log of tasks: every entry redacted on the way in, written inside the caller's unit of work (the caller saves).
/// </summary>
public static class TaskLog
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>
    /// Adds an entry to <paramref name="item"/>'s log, its message and data redacted, unless <paramref name="redacted"/>
    /// says they are made only of text already redacted (a <see cref="Domain.FailureReport.Redacted"/> report): the scan
    /// then runs before the write, in parallel, not a second time inside it.
    /// </summary>
    public static WorkItemLogEntry Add(
        OpsDbContext db, WorkItem item, LogSeverity level, string step, string message, Actor actor, DateTime now,
        string stepData = "{}", int? percent = null, Guid? agentId = null, Guid? entryId = null, bool redacted = false)
    {
        var entry = new WorkItemLogEntry
        {
            Id = entryId ?? NewId.Next(),
            WorkItemId = item.Id,
            AgentId = agentId ?? actor.AgentId ?? item.AssignedAgentId,
            Level = level,
            StepName = step,
            Message = redacted ? message : Redactor.Redact(message)!,
            StepData = redacted ? stepData : Redactor.RedactJson(stepData)!,
            Percent = percent,
            Actor = actor.Name,
            ActorKind = actor.Kind,
            CreatedOn = now,
        };
        db.Append(entry);
        return entry;
    }

    /// <summary>
    /// The same problem was seen again (<paramref name="times"/> times) while its task is open: more occurrences, and the one
    /// execution-log entry that says so (a storm touches dozens of tasks per request, and repeats within one request are
    /// one entry per task).
    /// </summary>
    public static void RecordOccurrences(OpsDbContext db, WorkItem item, int times, string message, string stepData, Actor actor, DateTime now, bool redacted = false)
    {
        var first = item.Occurrences + 1;
        item.RecordOccurrence(now, times);
        var which = times == 1 ? $"occurrence {item.Occurrences}" : $"{times} times, occurrences {first}–{item.Occurrences}";
        Add(db, item, LogSeverity.Warning, "occurrence", $"Seen again ({which}): {message}", actor, now, stepData, redacted: redacted);
    }

    /// <summary>An escalation entry: who or what raised the level, and the priority before and after.</summary>
    public static void Escalation(OpsDbContext db, WorkItem item, WorkItemPriority before, string message, Actor actor, DateTime now, string? reason = null) =>
        Add(db, item, LogSeverity.Warning, "escalation", message, actor, now, reason is null
            ? Serialize(new { escalation_level = item.EscalationLevel, previous_priority = before.Wire(), new_priority = item.Priority.Wire() })
            : Serialize(new { escalation_level = item.EscalationLevel, previous_priority = before.Wire(), new_priority = item.Priority.Wire(), reason }));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}
