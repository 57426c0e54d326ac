using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>First-start data: the seed's agents and a default rule set (the accounts are Security's, AccountSeeder).
/// Idempotent; it only adds what is missing and never overwrites what an admin changed.</summary>
public sealed class Seeder(
    IDbContextFactory<OpsDbContext> dbFactory,
    TimeProvider time,
    ILogger<Seeder> logger)
{
    public static readonly IReadOnlyList<(string Name, AgentKind Kind, WorkItemKind[] Capabilities, int Max, double Weight, string Configuration)> DefaultAgents =
    [
        ("DeploymentAgent-Primary", AgentKind.Deployment, [WorkItemKind.Deployment, WorkItemKind.SystemMonitoring], 5, 8.0,
            """{"specialization": "primary_deployment", "handles_production": true, "auto_recovery": true}"""),
        ("GitHubAgent-Issues", AgentKind.Github, [WorkItemKind.GithubIssue, WorkItemKind.BugFix], 10, 6.0,
            """{"github_integration": true, "issue_management": true, "auto_assignment": true}"""),
        ("CodeAgent-Emergency", AgentKind.Code, [WorkItemKind.BugFix, WorkItemKind.CodeReview, WorkItemKind.Testing], 3, 7.0,
            """{"emergency_response": true, "critical_fixes": true, "rapid_deployment": true}"""),
        ("MonitoringAgent-System", AgentKind.Monitoring, [WorkItemKind.SystemMonitoring, WorkItemKind.Deployment], 8, 5.0,
            """{"continuous_monitoring": true, "health_checks": true, "alert_management": true}"""),
        ("GeneralAgent-Backup", AgentKind.General, [WorkItemKind.Deployment, WorkItemKind.BugFix, WorkItemKind.GithubIssue], 4, 4.0,
            """{"backup_support": true, "overflow_handling": true, "general_purpose": true}"""),
    ];

    /// <summary>The default rule set with the settings' defaults (Orchestration:RetryBaseSeconds 60, RetryMaxSeconds 3600, BlockedEscalationMinutes 120).</summary>
    public static IReadOnlyList<(string Name, RuleKind Kind, string Description, string Conditions, string Actions, int Priority)> DefaultRules { get; } =
        RulesFor(new SeededRuleSettings(60, 3600, 120));

    /// <summary>
    /// The rules a first start seeds: task_creation rules, and the real configuration of retries and time escalation with the
    /// values the settings have at that start (editing the rule then changes what happens; the settings stay the defaults for
    /// tasks no rule matches).
    /// </summary>
    public static IReadOnlyList<(string Name, RuleKind Kind, string Description, string Conditions, string Actions, int Priority)> RulesFor(SeededRuleSettings s) =>
    [
        ("Production failures are due within the hour", RuleKind.TaskCreation,
            "A deployment task created from a production failure must be fixed within an hour.",
            """{"task_type": ["deployment"], "source": ["production_deployment_failure", "production_deployment_monitor", "deployment_log", "github_webhook", "failure_api"]}""",
            """{"due_in_minutes": 60}""", 10),
        ("Security work is at least high priority", RuleKind.TaskCreation,
            "Security enhancements never wait behind routine work.",
            """{"task_type": ["security_enhancement"]}""",
            """{"min_priority": "high"}""", 20),
        ("Production bugs are at least high priority", RuleKind.TaskCreation,
            "A bug fix for the production environment never waits behind routine work.",
            """{"task_type": ["bug_fix"], "environment": ["production"]}""",
            """{"min_priority": "high"}""", 30),
        ("Production failures get a GitHub issue", RuleKind.TaskCreation,
            "A failed production deployment is tracked in one GitHub issue for its whole life (GitHub:Repository).",
            """{"task_type": ["deployment"], "environment": ["production"]}""",
            """{"open_github_issue": true}""", 40),
        ("Bug reports get a GitHub issue", RuleKind.TaskCreation,
            "A bug report without an issue gets one; a report that already has an issue is linked to it instead.",
            """{"source": ["bug_report"]}""",
            """{"open_github_issue": true}""", 50),
        ("Escalate overdue and long-blocked work", RuleKind.TaskEscalation,
            "Overdue tasks escalate once per period (at least overdue_every_minutes); blocked tasks escalate after blocked_after_minutes.",
            "{}",
            $$"""{"blocked_after_minutes": {{s.BlockedEscalationMinutes}}, "overdue_every_minutes": 60}""", 100),
        ("Retry failures with exponential backoff", RuleKind.FailureHandling,
            "Failed tasks are retried on another agent after base·2^(attempt−1) seconds ±20 % (capped), then escalated.",
            "{}",
            $$"""{"retry_base_seconds": {{s.RetryBaseSeconds}}, "retry_max_seconds": {{s.RetryMaxSeconds}}, "on_exhausted": "escalate"}""", 100),
        ("Queue backlog alert", RuleKind.Monitoring,
            "More than 50 pending tasks is a warning, more than 100 critical.",
            """{"pending_tasks_above": 50}""",
            """{"health": "warning", "critical_above": 100}""", 100),
    ];

    /// <summary>How the two rules stored before rules decided anything looked; an unedited copy is brought to the form that decides.</summary>
    private static readonly Dictionary<string, (string Conditions, string Actions)> DescriptiveRules = new()
    {
        ["Escalate overdue and long-blocked work"] = ("""{"overdue": true, "blocked_minutes": 120}""", """{"escalate": true}"""),
        ["Retry failures with exponential backoff"] = ("""{"status": ["failed"]}""", """{"retry": "exponential_backoff", "then": "escalate"}"""),
    };

    public async Task SeedAsync(SeededRuleSettings ruleSettings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var existingAgents = await db.Agents.Select(a => a.Name).ToListAsync(cancellationToken);
        foreach (var (name, kind, capabilities, max, weight, configuration) in DefaultAgents.Where(a => !existingAgents.Contains(a.Name)))
        {
            db.Agents.Add(new Agent
            {
                Name = name,
                Kind = kind,
                Capabilities = [.. capabilities],
                MaxConcurrentTasks = max,
                PriorityWeight = weight,
                Configuration = configuration,
                CreatedOn = now,
                ModifiedOn = now,
            });
            DataLog.AgentSeeded(logger, name);
        }

        var defaults = RulesFor(ruleSettings);
        var descriptive = DescriptiveRules.Keys.ToArray();
        foreach (var old in await db.Rules.Where(r => descriptive.Contains(r.Name)).ToListAsync(cancellationToken))
        {
            if (DescriptiveRules[old.Name] is var (oldConditions, oldActions) && old.TriggerConditions == oldConditions && old.Actions == oldActions
                && defaults.FirstOrDefault(d => d.Name == old.Name) is { Name: not null } seeded)
            {
                old.TriggerConditions = seeded.Conditions;
                old.Actions = seeded.Actions;
                old.Description = seeded.Description;
                old.ModifiedOn = now;
                DataLog.DescriptiveRuleUpgraded(logger, old.Name);
            }
        }

        var existingRules = await db.Rules.Select(r => r.Name).ToListAsync(cancellationToken);
        foreach (var (name, kind, description, conditions, actions, priority) in defaults.Where(r => !existingRules.Contains(r.Name)))
        {
            db.Rules.Add(new OrchestrationRule
            {
                Name = name,
                Kind = kind,
                Description = description,
                TriggerConditions = conditions,
                Actions = actions,
                Priority = priority,
                CreatedOn = now,
                ModifiedOn = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>The settings whose values the seeded failure_handling and task_escalation rules start with.</summary>
public sealed record SeededRuleSettings(int RetryBaseSeconds, int RetryMaxSeconds, int BlockedEscalationMinutes);
