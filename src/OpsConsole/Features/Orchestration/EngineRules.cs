using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The rules as the engine reads them: every decision reads the active rules afresh (a change is effective at once, on every
/// node), and every rule that decided something is counted and written on the task's timeline.
/// </summary>
public static class EngineRules
{
    public const string TimelineStep = "rule";

    /// <summary>The active rules, read untracked (a handful of rows).</summary>
    public static async Task<RuleBook> RuleBookAsync(this OpsDbContext db, CancellationToken cancellationToken) =>
        new(await ActiveRules.For(db)(db).ToListAsync(cancellationToken));

    /// <summary>Compiled: every assignment pass reads the rules.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, IAsyncEnumerable<OrchestrationRule>>> ActiveRules = new(() =>
        EF.CompileAsyncQuery((OpsDbContext db) => db.Rules.AsNoTracking().Where(r => r.IsActive)));

    /// <summary>The agent the engine chooses for <paramref name="item"/> under <paramref name="book"/>: the one code path of assignment, preview and dry-run.</summary>
    public static AgentChoice Choose(RuleBook book, WorkItem item, IReadOnlyList<Agent> agents) =>
        AgentScorer.Choose(item, agents, book.SelectionFor(item));

    /// <summary>Counts each rule in <paramref name="rules"/> once and writes "Rule 'X' applied: …" on the task's timeline; the caller saves.</summary>
    public static void Applied(OpsDbContext db, WorkItem item, IEnumerable<OrchestrationRule> rules, string effect, DateTime now)
    {
        foreach (var rule in rules)
        {
            db.RuleTriggered(rule.Id, now);
            TaskLog.Add(db, item, LogSeverity.Info, TimelineStep, $"Rule '{rule.Name}' applied: {effect}", Actor.Engine, now,
                TaskLog.Serialize(new { rule_id = rule.Id, rule = rule.Name, rule_type = WireFormat.Of(rule.Kind) }));
        }
    }
}
