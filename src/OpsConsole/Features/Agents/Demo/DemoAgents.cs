using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.Agents.Demo;

/// <summary>
/// Simulated workers for the seeded agents (OpsConsole:Demo). They act through the same engine methods an external
/// agent's REST or hub calls reach, as an actor of kind Agent, so the holder checks, the execution log, the failure
/// policy and the live events are exactly those of real agents: they heartbeat, start what they are given, report
/// progress over a few seconds, complete most tasks and fail about one in seven. A seeded agent whose token was issued
/// (a real worker will use it) is left alone.
/// </summary>
public sealed class DemoAgents(
    OrchestrationEngine engine,
    AgentOperations agentOperations,
    IDbContextFactory<OpsDbContext> dbFactory,
    TimeProvider time,
    Random random,
    ILogger<DemoAgents> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(30);
    public const double FailureRate = 0.15;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Dictionary<Guid, Work> work = [];
    private readonly Dictionary<Guid, DateTime> lastHeartbeat = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentsLog.DemoModeOn(logger);
        using var timer = new PeriodicTimer(Tick, time);
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AgentsLog.DemoTickFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One step of every simulated agent: heartbeat when due, then advance each held task.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var names = Seeder.DefaultAgents.Select(a => a.Name).ToList();
        List<(Guid Id, string Name)> agents;
        List<(Guid Id, Guid AgentId, WorkItemKind Kind, string Title)> held;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            agents = (await db.Agents.AsNoTracking()
                    .Where(a => names.Contains(a.Name) && a.IsActive && a.TokenHash == null)
                    .Select(a => new { a.Id, a.Name })
                    .ToListAsync(cancellationToken))
                .Select(a => (a.Id, a.Name)).ToList();
            var ids = agents.Select(a => a.Id).ToList();
            held = (await db.WorkItems.AsNoTracking()
                    .Where(w => w.AssignedAgentId != null && ids.Contains(w.AssignedAgentId.Value)
                        && (w.Status == WorkItemStatus.Assigned || w.Status == WorkItemStatus.InProgress))
                    .Select(w => new { w.Id, AgentId = w.AssignedAgentId!.Value, w.Kind, w.Title })
                    .ToListAsync(cancellationToken))
                .Select(w => (w.Id, w.AgentId, w.Kind, w.Title)).ToList();
        }

        foreach (var (id, name) in agents)
        {
            if (!lastHeartbeat.TryGetValue(id, out var last) || now - last >= HeartbeatEvery)
            {
                await agentOperations.HeartbeatAsync(id, "127.0.0.1", cancellationToken);
                lastHeartbeat[id] = now;
            }
        }

        foreach (var gone in work.Keys.Except(held.Select(h => h.Id)).ToList())
        {
            work.Remove(gone);
        }

        foreach (var (taskId, agentId, kind, title) in held)
        {
            var agentName = agents.First(a => a.Id == agentId).Name;
            if (!work.TryGetValue(taskId, out var item) || item.AgentId != agentId)
            {
                item = new Work(agentId, Steps(kind), random.NextDouble() < FailureRate, now + Pause());
                work[taskId] = item;
            }

            if (now < item.NextAt)
            {
                continue;
            }

            var actor = new Actor(agentName, ActorKind.Agent, agentId);
            try
            {
                await AdvanceAsync(taskId, title, item, actor, now, cancellationToken);
            }
            catch (RefusedException refused)
            {
                // The task was taken away meanwhile (cancelled, reassigned): drop it, as a real worker would.
                AgentsLog.DemoTaskDropped(logger, agentName, taskId, refused.Message);
                work.Remove(taskId);
            }
        }
    }

    private async Task AdvanceAsync(Guid taskId, string title, Work item, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        if (!item.Started)
        {
            await engine.StartAsync(taskId, actor, cancellationToken);
            item.Started = true;
        }
        else if (item.Done < item.Steps.Length)
        {
            var (step, message) = item.Steps[item.Done];
            item.Done++;
            var percent = (int)Math.Round(100.0 * item.Done / (item.Steps.Length + 1));
            await engine.ProgressAsync(taskId, new ProgressReport(message, step, percent,
                JsonSerializer.Serialize(new { demo = true, step_number = item.Done }, Json)), actor, cancellationToken);
        }
        else if (item.WillFail)
        {
            work.Remove(taskId);
            var (error, details) = Failure(random);
            await engine.FailAsync(taskId, error, details, actor, cancellationToken);
            AgentsLog.DemoTaskFailed(logger, actor.Name, title, error);
            return;
        }
        else
        {
            work.Remove(taskId);
            await engine.CompleteAsync(taskId, JsonSerializer.Serialize(new
            {
                result = "success",
                summary = $"{actor.Name} finished '{title}'",
                steps = item.Steps.Length,
                demo = true,
            }, Json), actor, cancellationToken);
            AgentsLog.DemoTaskCompleted(logger, actor.Name, title);
            return;
        }

        item.NextAt = now + Pause();
    }

    /// <summary>1–3 seconds between steps, so a task takes a few seconds and the console has something to show.</summary>
    private TimeSpan Pause() => TimeSpan.FromMilliseconds(1000 + random.Next(2000));

    private static (string Step, string Message)[] Steps(WorkItemKind kind) => kind switch
    {
        WorkItemKind.Deployment =>
        [
            ("diagnose", "Reading the deployment log and the failed step's output"),
            ("fix", "Applying the fix and rebuilding the artefact"),
            ("redeploy", "Redeploying to the affected hosts"),
            ("verify", "Health checks green on all hosts"),
        ],
        WorkItemKind.BugFix or WorkItemKind.GithubIssue =>
        [
            ("reproduce", "Reproduced the bug with a failing test"),
            ("fix", "Fixed the cause; the new test passes"),
            ("test", "Full test suite green"),
        ],
        WorkItemKind.SystemMonitoring =>
        [
            ("investigate", "Correlating metrics, logs and recent deploys"),
            ("mitigate", "Mitigation applied; watching the metric recover"),
        ],
        WorkItemKind.CodeReview =>
        [
            ("read", "Read the diff and the linked issue"),
            ("test", "Ran the tests locally"),
            ("comment", "Left review comments"),
        ],
        _ =>
        [
            ("analyse", "Analysing the task"),
            ("work", "Doing the work"),
        ],
    };

    private static (string Error, string Details) Failure(Random random) => random.Next(4) switch
    {
        0 => ("Timed out waiting for the build agent", "step build: no runner picked up the job within 300 s"),
        1 => ("Tests failed after the fix", "3 of 412 tests failed: test_invoice_totals, test_credit_limit, test_supplier_search"),
        2 => ("Permission denied while redeploying", "ssh deploy@web-2: Permission denied (publickey)"),
        _ => ("The fix did not clear the alert", "metric still above threshold 15 minutes after mitigation"),
    };

    private sealed class Work(Guid agentId, (string Step, string Message)[] steps, bool willFail, DateTime nextAt)
    {
        public Guid AgentId { get; } = agentId;
        public (string Step, string Message)[] Steps { get; } = steps;
        public bool WillFail { get; } = willFail;
        public DateTime NextAt { get; set; } = nextAt;
        public bool Started { get; set; }
        public int Done { get; set; }
    }
}

/// <summary>Creates a realistic task every 20–40 seconds while the demo runs, so the console is never idle.</summary>
public sealed class DemoFeeder(OrchestrationEngine engine, TimeProvider time, Random random, ILogger<DemoFeeder> logger) : BackgroundService
{
    public static readonly TimeSpan FirstAfter = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstAfter;
        var sequence = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(delay, time, stoppingToken);
            try
            {
                var spec = DemoTasks.Next(random, time.GetUtcNow().UtcDateTime, ++sequence);
                var item = await engine.CreateAsync(spec, new Actor(DemoTasks.Creator, ActorKind.Engine), stoppingToken);
                AgentsLog.DemoTaskCreated(
                    logger, item.Title, item.Priority.Wire(), item.Status.Wire(), item.AssignedAgent is { } a ? $" to {a.Name}" : "");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AgentsLog.DemoFeederFailed(logger, ex);
            }

            delay = TimeSpan.FromSeconds(20 + random.Next(21));
        }
    }
}

/// <summary>Whether demo mode (<c>OpsConsole:Demo</c>) is on: the status route and the dashboard say so.</summary>
public sealed record DemoMode(bool IsOn);

public static class DemoServices
{
    /// <summary>Simulated agents and the task feeder, only when OpsConsole:Demo is true.</summary>
    public static IServiceCollection AddOpsDemo(this IServiceCollection services, bool enabled)
    {
        services.AddSingleton(new DemoMode(enabled));
        if (enabled)
        {
            services.AddHostedService<DemoAgents>();
            services.AddHostedService<DemoFeeder>();
        }

        return services;
    }
}
