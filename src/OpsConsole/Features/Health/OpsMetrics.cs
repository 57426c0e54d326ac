using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Realtime;

namespace OpsConsole.Features.Health;

/// <summary>
/// The console's own metrics (meter <see cref="MeterName"/>, every name starting <c>opsconsole_</c>), served to Prometheus at
/// <c>/metrics</c> by the composition. Events are counted once their change is committed (a unit of work that runs again
/// after a conflict, or rolls back, counts nothing); levels (open tasks, agents, the outbox) are read at scrape time from one
/// cached <see cref="MetricsSnapshot"/>, never per event. Which node reports is a label the exporter adds to every series.
/// </summary>
public sealed class OpsMetrics
{
    public const string MeterName = "OpsConsole";

    /// <summary>Seconds, for a wait that may be instant (a free agent) or last hours (nobody can take the task).</summary>
    private static readonly double[] LatencyBuckets = [0.05, 0.25, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600];

    private readonly DomainEventInterceptor commits;
    private readonly Counter<long> failures;
    private readonly Counter<long> retries;
    private readonly Counter<long> escalations;
    private readonly Histogram<double> assignmentLatency;

    public OpsMetrics(
        IMeterFactory meters, MetricsSnapshot snapshot, DomainEventInterceptor commits, HubAudience hubs, LiveCircuits circuits, GitHubStatus github, Leases leases)
    {
        this.commits = commits;
        var meter = meters.Create(MeterName);
        failures = meter.CreateCounter<long>("opsconsole_failures_received",
            description: "Failures received by intake, by what became of them (outcome: created, deduplicated, regression, suppressed) and where they came from (channel).");
        retries = meter.CreateCounter<long>("opsconsole_task_retries",
            description: "Task retries: scheduled by the failure policy (trigger=automatic) or asked for by a person (trigger=manual).");
        escalations = meter.CreateCounter<long>("opsconsole_task_escalations",
            description: "Task escalations, by trigger: retries_exhausted, manual, time (overdue or blocked too long).");
        assignmentLatency = meter.CreateHistogram("opsconsole_assignment_latency", "s",
            "Seconds from a task's creation (or its retry coming due) to its assignment to an agent.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

        meter.CreateObservableGauge("opsconsole_tasks_open", () => snapshot.Read().OpenTasks.Select(t =>
                new Measurement<long>(t.Count, new("status", t.Status.Wire()), new("priority", t.Priority.Wire()))),
            description: "Tasks not completed or cancelled, by status and priority.");
        meter.CreateObservableGauge("opsconsole_agents", () => snapshot.Read().Agents
                .GroupBy(a => a.IsActive ? a.Status.Wire() : "deactivated")
                .Select(g => new Measurement<long>(g.Count(), new KeyValuePair<string, object?>("status", g.Key))),
            description: "Agents by status (deactivated agents as status=deactivated).");
        meter.CreateObservableGauge("opsconsole_agent_active_tasks", () => snapshot.Read().Agents.Where(a => a.IsActive)
                .Select(a => new Measurement<long>(a.ActiveTasks, new KeyValuePair<string, object?>("agent", a.Name))),
            description: "Tasks each active agent holds now (its load; compare with opsconsole_agent_max_tasks).");
        meter.CreateObservableGauge("opsconsole_agent_max_tasks", () => snapshot.Read().Agents.Where(a => a.IsActive)
                .Select(a => new Measurement<long>(a.MaxTasks, new KeyValuePair<string, object?>("agent", a.Name))),
            description: "How many tasks each active agent may hold at once.");
        meter.CreateObservableGauge("opsconsole_github_outbox_backlog", () => Backlog(snapshot.Read()),
            description: "GitHub changes not delivered yet: waiting (state=pending) or refused by GitHub and waiting for a person (state=failed).");
        meter.CreateObservableGauge("opsconsole_github_rate_remaining", () => Known(github.RateRemaining),
            description: "GitHub API requests left in the current window, as GitHub last reported (absent until GitHub has answered).");
        meter.CreateObservableGauge("opsconsole_github_rate_limit", () => Known(github.RateLimit),
            description: "GitHub API requests allowed per window, as GitHub last reported (absent until GitHub has answered).");
        meter.CreateObservableGauge("opsconsole_circuits", () => circuits.Open,
            description: "Open Blazor circuits on this node (pages of the console: dashboards, wall screens).");
        meter.CreateObservableGauge("opsconsole_hub_connections", () => HubConnections(hubs),
            description: "Connections to /hubs/orchestration on this node, by kind: agent or client.");
        meter.CreateObservableGauge("opsconsole_leases_held", () => leases.HeldHere
                .Select(name => new Measurement<long>(1, new KeyValuePair<string, object?>("lease", name))),
            description: "Work this node does for the whole installation now (lease: deployment-log, github-outbox, orchestration-sweep, health-snapshot); 1 while held.");
    }

    /// <summary>Failures that intake has stored (its unit of work committed): one count per failure, by outcome and channel.</summary>
    public void FailuresReceived(IReadOnlyList<FailureReport> reports, IReadOnlyList<IntakeResult> results)
    {
        for (var i = 0; i < results.Count; i++)
        {
            failures.Add(1, new KeyValuePair<string, object?>("outcome", results[i].Outcome.ToString().ToLowerInvariant()),
                new KeyValuePair<string, object?>("channel", reports[i].Channel));
        }
    }

    public void Retried(DbContext db, string trigger) => OnCommit(db, () => retries.Add(1, new KeyValuePair<string, object?>("trigger", trigger)));

    public void Escalated(DbContext db, string trigger) => OnCommit(db, () => escalations.Add(1, new KeyValuePair<string, object?>("trigger", trigger)));

    /// <summary>A task assigned at <paramref name="now"/> after waiting since <paramref name="waitingSince"/>.</summary>
    public void Assigned(DbContext db, DateTime waitingSince, DateTime now)
    {
        var seconds = Math.Max(0, (now - waitingSince).TotalSeconds);
        OnCommit(db, () => assignmentLatency.Record(seconds));
    }

    /// <summary>
    /// Records once <paramref name="db"/>'s unit of work commits. Each call's lambda closes over its own arguments, so it is a
    /// delegate of its own: the interceptor runs equal delegates once, and two escalations in one sweep must count two.
    /// </summary>
    private void OnCommit(DbContext db, Action record) => commits.AfterCommit(db, record);

    private static IEnumerable<Measurement<long>> Backlog(MetricsSnapshot.Figures figures) =>
    [
        new(figures.OutboxPending, new KeyValuePair<string, object?>("state", "pending")),
        new(figures.OutboxFailed, new KeyValuePair<string, object?>("state", "failed")),
    ];

    private static IEnumerable<Measurement<long>> Known(int? value) => value is { } v ? [new(v)] : [];

    private static IEnumerable<Measurement<long>> HubConnections(HubAudience hubs)
    {
        var (agents, clients) = hubs.OpenConnections();
        return
        [
            new(agents, new KeyValuePair<string, object?>("kind", "agent")),
            new(clients, new KeyValuePair<string, object?>("kind", "client")),
        ];
    }
}
