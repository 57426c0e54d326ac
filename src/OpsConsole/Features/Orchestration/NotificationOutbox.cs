using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The one way to raise a notification event (escalated, needs_attention, failed_final, emergency_created, budget_exceeded):
/// inside the caller's unit of work, one outbox row per notification rule that matches the task and wants the event, so the
/// change and its notifications commit together. The sender delivers them (Integrations/Notifications).
/// </summary>
public sealed class NotificationOutbox(ConsoleLinks links)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Queues <paramref name="notificationEvent"/> for <paramref name="item"/>; <paramref name="summary"/> says what happened.
    /// <paramref name="eventKey"/> makes the event unique (default: the escalation level and the time), so raising the same
    /// event again in a rerun of the unit of work or from another node queues it once. The caller saves.
    /// </summary>
    public async Task<int> RaiseAsync(
        OpsDbContext db, WorkItem item, string notificationEvent, string summary, DateTime now, CancellationToken cancellationToken, string? eventKey = null)
    {
        if (!NotificationEvents.All.Contains(notificationEvent))
        {
            throw new ArgumentOutOfRangeException(nameof(notificationEvent), notificationEvent, $"one of {string.Join(", ", NotificationEvents.All)}");
        }

        var book = await db.RuleBookAsync(cancellationToken);
        var key = $"{item.Id}:{notificationEvent}:{eventKey ?? $"{item.EscalationLevel}:{now:O}"}";
        var raised = 0;
        foreach (var (rule, target) in book.NotificationsFor(item, notificationEvent))
        {
            if (db.ChangeTracker.Entries<NotificationDelivery>().Any(e => e.Entity.RuleId == rule.Id && e.Entity.EventKey == key)
                || await db.NotificationDeliveries.AnyAsync(n => n.RuleId == rule.Id && n.EventKey == key, cancellationToken))
            {
                continue;
            }

            db.NotificationDeliveries.Add(new NotificationDelivery
            {
                RuleId = rule.Id,
                RuleName = rule.Name,
                WorkItemId = item.Id,
                Event = notificationEvent,
                EventKey = key,
                Url = target.Url,
                Payload = Payload(item, notificationEvent, summary, rule, now),
                CreatedAt = now,
            });
            db.RuleTriggered(rule.Id, now);
            TaskLog.Add(db, item, LogSeverity.Info, EngineRules.TimelineStep, $"Rule '{rule.Name}' applied: {notificationEvent} notification queued for {new Uri(target.Url).Host}", Actor.Engine, now,
                TaskLog.Serialize(new { rule_id = rule.Id, rule = rule.Name, rule_type = "notification", @event = notificationEvent }));
            raised++;
        }

        return raised;
    }

    private string Payload(WorkItem item, string notificationEvent, string summary, OrchestrationRule rule, DateTime now)
    {
        var link = links.Task(item.Id);
        var text = $"[OpsConsole] {notificationEvent.Replace('_', ' ')}: {item.Title} ({item.Priority.Wire()}, {item.Status.Wire()}"
            + $"{(item.Environment is null ? "" : $", {item.Environment}")}) — {summary} {link}";
        return Redactor.RedactJson(JsonSerializer.Serialize(new
        {
            text,
            @event = notificationEvent,
            occurred_at = now,
            rule = rule.Name,
            summary,
            task = new
            {
                id = item.Id,
                title = item.Title,
                task_type = item.Kind.Wire(),
                priority = item.Priority.Wire(),
                status = item.Status.Wire(),
                environment = item.Environment,
                escalation_level = item.EscalationLevel,
                retry_count = item.RetryCount,
                assigned_agent_name = item.AssignedAgent?.Name,
                github_issue_url = item.GithubIssueUrl,
                url = link,
            },
        }, Json))!;
    }
}
