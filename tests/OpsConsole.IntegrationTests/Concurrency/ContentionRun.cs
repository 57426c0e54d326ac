using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>How much load a contention run puts on the nodes, and for how long at most.</summary>
public sealed record ContentionPlan
{
    public int Tasks { get; init; } = 100;

    /// <summary>Agents with capacities 1 and 2 in turn.</summary>
    public int Agents { get; init; } = 8;

    /// <summary>Admin clients creating, assigning, retrying and cancelling at once.</summary>
    public int Writers { get; init; } = 6;

    public int Fingerprints { get; init; } = 3;

    public int FailuresPerFingerprint { get; init; } = 12;

    /// <summary>The load stops when every task is finished or after this long, whichever comes first.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Share of first attempts an agent fails (the task then waits for an admin's retry).</summary>
    public double FailShare { get; init; } = 0.2;

    /// <summary>Share of first attempts an agent gives back (release).</summary>
    public double ReleaseShare { get; init; } = 0.05;

    /// <summary>At most this share of the tasks is cancelled by an admin while an agent works on it.</summary>
    public double CancelShare { get; init; } = 0.1;

    public int Seed { get; init; } = Environment.TickCount;
}

/// <summary>One node as the load sees it: its address and whether its process still lives.</summary>
public sealed class ContentionNode : IDisposable
{
    private readonly Func<bool> processAlive;
    private volatile bool down;
    private int answers;

    public ContentionNode(string name, Uri baseAddress, Func<bool> processAlive)
    {
        Name = name;
        this.processAlive = processAlive;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(baseAddress, "/api/v1/orchestration/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string Name { get; }

    public HttpClient Http { get; }

    /// <summary>Answers (any status) this node has given so far.</summary>
    public int Answers => Volatile.Read(ref answers);

    public bool Alive => !down && processAlive();

    internal bool ProcessAlive => processAlive();

    internal void Answered() => Interlocked.Increment(ref answers);

    internal void MarkDown() => down = true;

    public void Dispose() => Http.Dispose();
}

/// <summary>What a contention run found: each violation count must be 0.</summary>
public sealed record ContentionReport
{
    /// <summary>Tasks that had two active assignments at once (sampled during the load or left at the end).</summary>
    public int DoubleAssignments { get; init; }

    /// <summary>Agents that held more active tasks than their max_concurrent_tasks (sampled, seen by the agent itself, or at the end).</summary>
    public int CapacityOverruns { get; init; }

    /// <summary>Acknowledged writes missing or counted wrong: progress, outcomes, retries, occurrences, agents' loads and totals.</summary>
    public int LostUpdates { get; init; }

    /// <summary>Extra tasks for one failure fingerprint (two open tasks for one problem count 1).</summary>
    public int DuplicateFingerprintTasks { get; init; }

    /// <summary>Reports applied from an agent that no longer held the task, or a second outcome applied to a finished task.</summary>
    public int StaleReportsApplied { get; init; }

    /// <summary>Answers 500..599 other than 503 (a 503 says "busy, nothing applied, send it again").</summary>
    public int ServerErrors { get; init; }

    public int Violations => DoubleAssignments + CapacityOverruns + LostUpdates + DuplicateFingerprintTasks + StaleReportsApplied;

    public IReadOnlyList<string> Details { get; init; } = [];

    public IReadOnlyList<string> ServerErrorSamples { get; init; } = [];

    public TimeSpan Elapsed { get; init; }

    public int Requests { get; init; }

    public int TasksCreated { get; init; }

    public int TasksUnfinished { get; init; }

    public int CompletionsAcknowledged { get; init; }

    public int FailuresAcknowledged { get; init; }

    public int ProgressAcknowledged { get; init; }

    public int RetriesAcknowledged { get; init; }

    public int CancelsAcknowledged { get; init; }

    public int AssignRaces { get; init; }

    public int AssignRacesWonTwice { get; init; }

    public int RetryRaces { get; init; }

    public int LateReportProbes { get; init; }

    public int FailuresAccepted { get; init; }

    /// <summary>Requests that got no answer (node killed, timeout): their outcome is unknown and tolerated in the counts.</summary>
    public int Unanswered { get; init; }

    /// <summary>Per node: answers after the midway action (e.g. a kill), and completions acknowledged after it.</summary>
    public IReadOnlyDictionary<string, int> AnswersAfterMidway { get; init; } = new Dictionary<string, int>();

    public int CompletionsAfterMidway { get; init; }

    public bool MidwayRan { get; init; }

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine($"double assignments:              {DoubleAssignments}");
        text.AppendLine($"capacity overruns:               {CapacityOverruns}");
        text.AppendLine($"lost updates:                    {LostUpdates}");
        text.AppendLine($"duplicate tasks per fingerprint: {DuplicateFingerprintTasks}");
        text.AppendLine($"stale reports applied:           {StaleReportsApplied}");
        text.AppendLine($"server errors (5xx but 503):     {ServerErrors}");
        var seconds = Math.Max(0.001, Elapsed.TotalSeconds);
        text.AppendLine($"throughput: {CompletionsAcknowledged} completions in {seconds:F1} s ({CompletionsAcknowledged / seconds:F1}/s), {Requests} requests ({Requests / seconds:F0}/s)");
        text.AppendLine($"load: {TasksCreated} tasks created ({TasksUnfinished} unfinished), {ProgressAcknowledged} progress, {FailuresAcknowledged} agent failures, "
            + $"{RetriesAcknowledged} retries acknowledged in {RetryRaces} retry races, {CancelsAcknowledged} cancels, {AssignRaces} assign races ({AssignRacesWonTwice} acknowledged twice), "
            + $"{LateReportProbes} late-report probes, {FailuresAccepted} failures accepted, {Unanswered} requests unanswered");
        if (MidwayRan)
        {
            text.AppendLine($"after the midway action: {CompletionsAfterMidway} completions acknowledged; answers per node: {string.Join(", ", AnswersAfterMidway.Select(p => $"{p.Key} {p.Value}"))}");
        }

        // A few of each kind, so one kind of violation does not hide the others.
        foreach (var kind in Details.GroupBy(d => d[..Math.Max(0, d.IndexOf(':', StringComparison.Ordinal))]))
        {
            foreach (var detail in kind.Take(8))
            {
                text.AppendLine("  - " + detail);
            }

            if (kind.Count() > 8)
            {
                text.AppendLine($"    … and {kind.Count() - 8} more of {kind.Key}");
            }
        }

        foreach (var error in ServerErrorSamples.Take(5))
        {
            text.AppendLine("  ! " + error);
        }

        return text.ToString();
    }
}

/// <summary>
/// Black-box contention across nodes that share one database: agents with small capacities take, start, report, complete,
/// fail and give back tasks through whichever node they pick; admins create, assign, retry and cancel the same tasks through
/// both nodes at once; identical failures arrive through both. Every answer is written in a ledger; afterwards the database
/// itself (read directly, read-only) is checked against the rules and against what was acknowledged. The load knows nothing
/// of the engine's code: it holds for the semaphore engine and for the database-held one alike.
/// Linked into the benchmarks (contention), so it uses nothing from xUnit.
/// </summary>
public sealed class ContentionRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly string[] ActiveStatuses = ["assigned", "inprogress", "blocked", "review"];
    private const string ReportMark = "[report ";

    private static readonly string[] AgentReportSteps = ["started", "work", "completed", "failure", "released"];

    private readonly ContentionPlan plan;
    private readonly IReadOnlyList<ContentionNode> nodes;
    private readonly Func<DbConnection> openStore;
    private readonly bool storeKeepsInsertOrder;
    private readonly string adminKey;
    private readonly Action<string> log;

    private readonly List<AgentState> agents = [];
    private readonly ConcurrentDictionary<Guid, TaskFacts> tasks = new();
    private readonly ConcurrentDictionary<Guid, ProgressFact> progress = new();
    private readonly ConcurrentDictionary<string, FingerprintFacts> failures = new();
    private readonly ConcurrentDictionary<Guid, byte> released = new();
    private readonly ConcurrentDictionary<Guid, int> sampledDoubles = new();
    private readonly ConcurrentDictionary<Guid, int> sampledOverruns = new();
    private readonly ConcurrentDictionary<Guid, int> observedOverruns = new();
    private readonly ConcurrentQueue<string> lateReportsAccepted = new();
    private readonly ConcurrentQueue<string> serverErrors = new();
    private readonly Lock cacheGate = new();

    private List<(Guid Id, string Status)> openTasks = [];
    private int nextTask;
    private int created;
    private int createdUnknown;
    private int requests;
    private int unanswered;
    private int cancelsTried;
    private int assignRaces;
    private int assignRacesWonTwice;
    private int retryRaces;
    private int lateProbes;
    private int completionsAcked;
    private int completionsAtMidway;
    private Dictionary<string, int>? answersAtMidway;

    public ContentionRun(ContentionPlan plan, IReadOnlyList<ContentionNode> nodes, Func<DbConnection> openStore, bool storeKeepsInsertOrder, string adminKey, Action<string>? log = null)
    {
        this.plan = plan;
        this.nodes = nodes;
        this.openStore = openStore;
        this.storeKeepsInsertOrder = storeKeepsInsertOrder;
        this.adminKey = adminKey;
        this.log = log ?? (_ => { });
    }

    /// <summary>Names everything this run creates (agents, task titles, deployment ids), so a shared database can hold earlier runs.</summary>
    public string Tag { get; } = "c" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Runs once during the load, when a third of the tasks were completed or half the deadline passed (e.g. kill a node).</summary>
    public Func<Task>? Midway { get; init; }

    private string TaskPrefix => $"{Tag}-task-";

    private string AgentPrefix => $"{Tag}-agent-";

    private string DeploymentPrefix => $"{Tag}-deploy-";

    /// <summary>Takes every other agent out of service, creates this run's agents (each gets its token) and has them heartbeat.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var admin = nodes[0];
        for (var page = 1; page <= 50; page++)
        {
            var list = Expect(await SendAsync(admin, HttpMethod.Get, $"agents/?page_size=100&page={page}", adminKey, null, cancellationToken), 200, "list agents");
            foreach (var agent in list["results"]!.AsArray().Select(a => a!))
            {
                if ((bool?)agent["is_active"] == true)
                {
                    Expect(await SendAsync(admin, HttpMethod.Post, $"agents/{agent["id"]}/update_status/", adminKey, new { action = "deactivate" }, cancellationToken), 200, "deactivate an agent");
                }
            }

            if (list["next"] is null)
            {
                break;
            }
        }

        for (var i = 0; i < plan.Agents; i++)
        {
            var capacity = 1 + (i % 2);
            var node = nodes[i % nodes.Count];
            var body = Expect(await SendAsync(node, HttpMethod.Post, "agents/", adminKey, new
            {
                name = $"{AgentPrefix}{i:000}",
                agent_type = "testing",
                capabilities = new[] { "documentation" },
                max_concurrent_tasks = capacity,
                priority_weight = 1.0,
            }, cancellationToken), 201, "create an agent");
            agents.Add(new AgentState(Guid.Parse((string)body["id"]!), (string)body["name"]!, (string)body["token"]!, capacity, plan.Seed + 1000 + i));
        }

        foreach (var agent in agents)
        {
            Expect(await SendAsync(nodes[agent.Seed % nodes.Count], HttpMethod.Post, $"agents/{agent.Id}/heartbeat/", agent.Token, new { }, cancellationToken), 200, "heartbeat");
        }

        log($"{Tag}: {agents.Count} agents ready ({agents.Sum(a => a.Capacity)} slots) on {string.Join(", ", nodes.Select(n => n.Name))}");
    }

    /// <summary>Runs the load until every task is finished or the deadline passes, then checks the database. Call <see cref="PrepareAsync"/> first.</summary>
    public async Task<ContentionReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(plan.Deadline);
        hardStop.CancelAfter(plan.Deadline + TimeSpan.FromSeconds(20));

        var actors = new List<Task>
        {
            Guard(() => WatchAsync(clock, stop, hardStop.Token)),
            Guard(() => SampleAsync(stop.Token)),
            Guard(() => SendFailuresAsync(hardStop.Token)),
        };
        actors.AddRange(Enumerable.Range(0, plan.Writers).Select(w => Guard(() => WriteAsync(new Random(plan.Seed + w), creates: w % 2 == 0, stop.Token, hardStop.Token))));
        actors.AddRange(agents.Select(a => Guard(() => WorkAsync(a, stop.Token, hardStop.Token))));
        await Task.WhenAll(actors);
        var elapsed = clock.Elapsed;
        log($"{Tag}: load over after {elapsed.TotalSeconds:F1} s; checking the database");
        using var checkTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await CheckAsync(elapsed, checkTimeout.Token);
    }

    // ---------------------------------------------------------------- the load

    /// <summary>Keeps a view of the open tasks for the writers, ends the load when all are finished, and runs the midway action.</summary>
    private async Task WatchAsync(Stopwatch clock, CancellationTokenSource stop, CancellationToken hardStop)
    {
        var random = new Random(plan.Seed - 1);
        var idleRounds = 0;
        while (!stop.IsCancellationRequested)
        {
            if (Midway is not null && answersAtMidway is null
                && (Volatile.Read(ref completionsAcked) >= plan.Tasks / 3 || clock.Elapsed >= plan.Deadline / 2))
            {
                log($"{Tag}: midway at {clock.Elapsed.TotalSeconds:F1} s, {completionsAcked} completions acknowledged");
                await Midway();
                completionsAtMidway = Volatile.Read(ref completionsAcked);
                answersAtMidway = nodes.ToDictionary(n => n.Name, n => n.Answers);
            }

            var reply = await SendAsync(Pick(random), HttpMethod.Get,
                $"tasks/?search={TaskPrefix}&status__in=pending,assigned,in_progress,failed,escalated,blocked,review&page_size=100&ordering={(random.Next(2) == 0 ? "" : "-")}created_on",
                adminKey, null, hardStop);
            if (reply.Status == 200)
            {
                var open = reply.Body!["results"]!.AsArray().Select(t => (Guid.Parse((string)t!["id"]!), Normal((string)t["status"]!))).ToList();
                lock (cacheGate)
                {
                    openTasks = open;
                }

                var allCreated = Volatile.Read(ref created) + Volatile.Read(ref createdUnknown) >= plan.Tasks;
                idleRounds = allCreated && (int)reply.Body["count"]! == 0 ? idleRounds + 1 : 0;
                if (idleRounds >= 2)
                {
                    log($"{Tag}: every task finished after {clock.Elapsed.TotalSeconds:F1} s");
                    await stop.CancelAsync();
                    return;
                }
            }

            await Delay(250, stop.Token);
        }
    }

    /// <summary>
    /// Reads the database during the load: a task with two active assignments to this run's agents, one of them over its
    /// capacity. One statement, so one consistent snapshot; assignments left active by earlier runs on a shared database are not counted.
    /// </summary>
    private async Task SampleAsync(CancellationToken stop)
    {
        var capacities = agents.ToDictionary(a => a.Id, a => a.Capacity);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = openStore();
                await connection.OpenAsync(stop);
                var active = (await ActiveAssignmentsAsync(connection, stop)).Where(a => capacities.ContainsKey(a.Agent)).ToList();
                foreach (var task in active.GroupBy(a => a.Task).Where(g => g.Count() > 1))
                {
                    sampledDoubles.AddOrUpdate(task.Key, task.Count(), (_, seen) => Math.Max(seen, task.Count()));
                }

                foreach (var agent in active.GroupBy(a => a.Agent).Where(g => g.Count() > capacities[g.Key]))
                {
                    sampledOverruns.AddOrUpdate(agent.Key, agent.Count(), (_, seen) => Math.Max(seen, agent.Count()));
                }
            }
            catch (DbException)
            {
                // A busy or locked read: skip this sample.
            }

            await Delay(250, stop);
        }
    }

    /// <summary>
    /// The same few failures, many times each: one burst per fingerprint, every copy at the same moment and split over the
    /// nodes, the bursts a moment apart so they meet the nodes busy with the rest of the load. One task per problem, every
    /// occurrence counted.
    /// </summary>
    private async Task SendFailuresAsync(CancellationToken hardStop)
    {
        var spacing = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, plan.Deadline.Ticks / (2 * Math.Max(1, plan.Fingerprints))));
        var bursts = new List<Task>();
        for (var f = 0; f < plan.Fingerprints; f++)
        {
            if (f > 0)
            {
                await Delay((int)spacing.TotalMilliseconds, hardStop);
            }

            var deployment = $"{DeploymentPrefix}{f}";
            var facts = failures.GetOrAdd(deployment, _ => new FingerprintFacts());
            bursts.Add(Task.WhenAll(Enumerable.Range(0, plan.FailuresPerFingerprint).Select(copy => SendFailureAsync(deployment, facts, nodes[copy % nodes.Count], hardStop))));
        }

        await Task.WhenAll(bursts);
    }

    private async Task SendFailureAsync(string deployment, FingerprintFacts facts, ContentionNode node, CancellationToken hardStop)
    {
        var reply = await SendAdminAsync(node.Alive ? node : Pick(Random.Shared), HttpMethod.Post, "failures/", new
        {
            deployment_id = deployment,
            step = "migrate",
            error_message = "Database migration failed: relation \"users\" already exists",
            environment = "staging",
            status = "failed",
        }, hardStop);
        if (reply.Status == 202)
        {
            Interlocked.Increment(ref facts.Accepted);
            facts.Fingerprint ??= (string?)reply.Body!["results"]![0]!["fingerprint"];
        }
        else if (Unknown(reply))
        {
            Interlocked.Increment(ref facts.Unknown);
        }
    }

    /// <summary>
    /// An admin client. Half of them create tasks as fast as they go until all are created, while the other half (and then
    /// all) race assignments, retries and cancels over both nodes: everything happens at once.
    /// </summary>
    private async Task WriteAsync(Random random, bool creates, CancellationToken stop, CancellationToken hardStop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (creates && Volatile.Read(ref nextTask) < plan.Tasks && Interlocked.Increment(ref nextTask) - 1 is var index && index < plan.Tasks)
            {
                await CreateTaskAsync(index, hardStop);
                continue;
            }

            var roll = random.NextDouble();
            var acted = roll switch
            {
                < 0.45 => await RaceAssignAsync(random, hardStop),
                < 0.8 => await RaceRetryAsync(random, hardStop),
                _ => await CancelWhileWorkedAsync(random, hardStop),
            };
            if (!acted)
            {
                await Delay(50, stop);
            }
        }
    }

    private async Task CreateTaskAsync(int index, CancellationToken hardStop)
    {
        var node = nodes[index % nodes.Count].Alive ? nodes[index % nodes.Count] : Pick(new Random(index));
        var reply = await SendAdminAsync(node, HttpMethod.Post, "tasks/", new
        {
            title = $"{TaskPrefix}{index:00000}",
            description = $"contention run {Tag}",
            task_type = "documentation",
            priority = (index % 3) switch { 0 => "low", 1 => "medium", _ => "high" },
            auto_retry = false,
            auto_escalate = false,
            max_retries = 0,
            // Every fifth task waits for a person to assign it, so the assignment races happen however fast the agents
            // drain the others (on a fast run no task stayed pending long enough for a race).
            auto_assign = index % 5 != 4,
        }, hardStop);
        if (reply.Status == 201)
        {
            tasks.TryAdd(Guid.Parse((string)reply.Body!["id"]!), new TaskFacts());
            Interlocked.Increment(ref created);
        }
        else if (Unknown(reply))
        {
            Interlocked.Increment(ref createdUnknown);
        }
        else
        {
            Interlocked.Increment(ref createdUnknown); // refused: counted so the load still ends
            log($"{Tag}: creating task {index} was refused with {reply.Status}: {reply.Body?.ToJsonString()}");
        }
    }

    /// <summary>The same pending task assigned through every node at the same moment: at most one may win.</summary>
    private async Task<bool> RaceAssignAsync(Random random, CancellationToken hardStop)
    {
        if (PickOpen(random, "pending") is not { } id)
        {
            return false;
        }

        var replies = await Task.WhenAll(nodes.Where(n => n.Alive).Select(n => SendAdminAsync(n, HttpMethod.Post, $"tasks/{id}/assign/", new { }, hardStop)));
        Interlocked.Increment(ref assignRaces);
        if (replies.Count(r => r.Status == 200) > 1)
        {
            Interlocked.Increment(ref assignRacesWonTwice);
        }

        return true;
    }

    /// <summary>The same failed task retried through every node at the same moment: one retry, or the count says otherwise.</summary>
    private async Task<bool> RaceRetryAsync(Random random, CancellationToken hardStop)
    {
        if (PickOpen(random, "failed") is not { } id)
        {
            return false;
        }

        var replies = await Task.WhenAll(nodes.Where(n => n.Alive).Select(n => SendAdminAsync(n, HttpMethod.Post, $"tasks/{id}/retry/", new { }, hardStop)));
        Interlocked.Increment(ref retryRaces);
        var facts = tasks.GetOrAdd(id, _ => new TaskFacts());
        foreach (var reply in replies)
        {
            if (reply.Status == 200)
            {
                Interlocked.Increment(ref facts.Retried);
            }
            else if (Unknown(reply))
            {
                Interlocked.Increment(ref facts.RetriedUnknown);
            }
        }

        return true;
    }

    /// <summary>
    /// Cancels a task an agent is working on, then has that agent report on it through another node: the late report must
    /// be refused (4xx), never applied.
    /// </summary>
    private async Task<bool> CancelWhileWorkedAsync(Random random, CancellationToken hardStop)
    {
        if (Volatile.Read(ref cancelsTried) >= plan.Tasks * plan.CancelShare || PickOpen(random, "inprogress", "assigned") is not { } id)
        {
            return false;
        }

        Interlocked.Increment(ref cancelsTried);
        var node = Pick(random);
        var reply = await SendAdminAsync(node, HttpMethod.Post, $"tasks/{id}/cancel/", new { reason = "contention run" }, hardStop);
        var facts = tasks.GetOrAdd(id, _ => new TaskFacts());
        if (Unknown(reply))
        {
            Interlocked.Increment(ref facts.CancelledUnknown);
        }

        if (reply.Status != 200)
        {
            return true;
        }

        Interlocked.Increment(ref facts.Cancelled);
        var holder = AgentIdOf(reply.Body!["task"]?["assigned_agent"]);
        if (agents.FirstOrDefault(a => a.Id == holder) is not { } agent)
        {
            return true;
        }

        var probeId = Guid.NewGuid();
        progress[probeId] = new ProgressFact(id, agent.Id, ProgressOutcome.Pending, Probe: true);
        var late = await SendAsync(Pick(random, node), HttpMethod.Post, $"tasks/{id}/progress/", agent.Token,
            new { message = $"{Tag} late report after cancel {ReportMark}{probeId}]", step = "work", id = probeId }, hardStop);
        Interlocked.Increment(ref lateProbes);
        progress[probeId] = progress[probeId] with { Outcome = OutcomeOf(late) };
        if (late.Status is >= 200 and < 300)
        {
            lateReportsAccepted.Enqueue($"task {id}: cancel acknowledged by {node.Name}, then {agent.Name}'s progress through {late.Node.Name} got {late.Status} instead of a refusal");
        }

        return true;
    }

    /// <summary>An agent: heartbeats, polls its current tasks through either node, and works on each one concurrently.</summary>
    private async Task WorkAsync(AgentState agent, CancellationToken stop, CancellationToken hardStop)
    {
        var random = new Random(agent.Seed);
        var working = new Dictionary<Guid, Task>();
        var lastHeartbeat = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            foreach (var done in working.Where(w => w.Value.IsCompleted).Select(w => w.Key).ToList())
            {
                await working[done];
                working.Remove(done);
            }

            if (lastHeartbeat.Elapsed > TimeSpan.FromSeconds(3))
            {
                await SendResendableAsync(random, HttpMethod.Post, $"agents/{agent.Id}/heartbeat/", agent.Token, new { }, hardStop);
                lastHeartbeat.Restart();
            }

            var reply = await SendAsync(Pick(random), HttpMethod.Get, $"agents/{agent.Id}/current_tasks/", agent.Token, null, hardStop);
            if (reply.Status == 200)
            {
                var held = reply.Body!.AsArray().Select(t => t!.AsObject()).ToList();
                if (held.Count > agent.Capacity)
                {
                    observedOverruns.AddOrUpdate(agent.Id, held.Count, (_, seen) => Math.Max(seen, held.Count));
                }

                foreach (var task in held)
                {
                    var id = Guid.Parse((string)task["id"]!);
                    if (!working.ContainsKey(id))
                    {
                        working[id] = ProcessAsync(agent, id, Normal((string)task["status"]!), (int?)task["retry_count"] ?? 0, new Random(random.Next()), hardStop);
                    }
                }
            }

            await Delay(working.Count < agent.Capacity ? 100 : 300, stop);
        }

        await Task.WhenAll(working.Values);
    }

    /// <summary>One attempt at one task: start, one or two progress reports, then complete, fail or give it back.</summary>
    private async Task ProcessAsync(AgentState agent, Guid id, string status, int retryCount, Random random, CancellationToken hardStop)
    {
        if (status == "assigned")
        {
            var start = await SendResendableAsync(random, HttpMethod.Post, $"tasks/{id}/start/", agent.Token, new { }, hardStop);
            if (start.Status != 200)
            {
                return; // taken away meanwhile (or no node answers)
            }
        }

        var reports = 1 + random.Next(2);
        for (var k = 1; k <= reports; k++)
        {
            var reportId = Guid.NewGuid();
            progress[reportId] = new ProgressFact(id, agent.Id, ProgressOutcome.Pending, Probe: false);
            var reply = await SendResendableAsync(random, HttpMethod.Post, $"tasks/{id}/progress/", agent.Token,
                new { message = $"{Tag} step {k} of {reports} {ReportMark}{reportId}]", step = "work", percent = 100 * k / (reports + 1), id = reportId }, hardStop);
            progress[reportId] = progress[reportId] with { Outcome = OutcomeOf(reply) };
            if (reply.Status != 201)
            {
                return;
            }
        }

        var facts = tasks.GetOrAdd(id, _ => new TaskFacts());
        // From the id's last four bytes, which are random: its first four are the top of a version-7 id's timestamp, the
        // same for every task of a run (the share then made every task of a run fail, or, most hours of the day, none).
        var share = (BitConverter.ToUInt32(id.ToByteArray(), 12) % 1000) / 1000.0;
        if (retryCount == 0 && share < plan.FailShare)
        {
            var reply = await SendResendableAsync(random, HttpMethod.Post, $"tasks/{id}/fail/", agent.Token,
                new { error_message = $"{Tag}: the agent could not finish (planned failure)" }, hardStop);
            Count(reply, ref agent.Failed, ref agent.FailedUnknown);
            return;
        }

        if (retryCount == 0 && share < plan.FailShare + plan.ReleaseShare && released.TryAdd(id, 0))
        {
            await SendResendableAsync(random, HttpMethod.Post, $"tasks/{id}/release/", agent.Token, new { }, hardStop);
            return;
        }

        var complete = await SendResendableAsync(random, HttpMethod.Post, $"tasks/{id}/complete/", agent.Token, new { output_data = new { by = agent.Name } }, hardStop);
        Count(complete, ref agent.Completed, ref agent.CompletedUnknown);
        if (complete.Status == 200)
        {
            Interlocked.Increment(ref facts.Completed);
            Interlocked.Increment(ref completionsAcked);
        }
        else if (Unknown(complete))
        {
            Interlocked.Increment(ref facts.CompletedUnknown);
        }
    }

    // ---------------------------------------------------------------- the check

    private async Task<ContentionReport> CheckAsync(TimeSpan elapsed, CancellationToken cancellationToken)
    {
        await using var store = openStore();
        await store.OpenAsync(cancellationToken);
        var details = new List<string>();
        var mine = agents.ToDictionary(a => a.Id);

        // Every column by name: a counter the engine may stop storing (a load computed from assignments) is checked only while it exists.
        var storedAgents = await RowsAsync(store, "SELECT * FROM agents WHERE \"Name\" LIKE @p", AgentPrefix + "%", (names, r) => new StoredAgent(
            IdOf(Column(names, r, "Id")!), (string)Column(names, r, "Name")!, Convert.ToInt32(Column(names, r, "MaxConcurrentTasks")),
            Number(names, r, "ActiveTaskCount"), Number(names, r, "TotalTasksCompleted"), Number(names, r, "TotalTasksFailed")), cancellationToken);
        var storedTasks = await RowsAsync(store, "SELECT \"Id\", \"Status\", \"AssignedAgentId\", \"RetryCount\" FROM tasks WHERE \"Title\" LIKE @p",
            TaskPrefix + "%", r => new StoredTask(IdOf(r[0]), Normal((string)r[1]), r[2] is DBNull ? null : IdOf(r[2]), Convert.ToInt32(r[3])), cancellationToken);
        var active = await ActiveAssignmentsAsync(store, cancellationToken);
        var logs = await RowsAsync(store,
            $"SELECT l.\"Id\", l.\"WorkItemId\", l.\"StepName\", l.\"ActorKind\", l.\"AgentId\", l.\"Message\" FROM execution_logs l JOIN tasks t ON t.\"Id\" = l.\"WorkItemId\" WHERE t.\"Title\" LIKE @p{(storeKeepsInsertOrder ? " ORDER BY l.rowid" : "")}",
            TaskPrefix + "%", r => new StoredLog(IdOf(r[0]), IdOf(r[1]), (string)r[2], Normal((string)r[3]), r[4] is DBNull ? null : IdOf(r[4]), ReportIdIn((string)r[5])), cancellationToken);
        var failureTasks = await RowsAsync(store, "SELECT \"Id\", \"Fingerprint\", \"Status\", \"Occurrences\" FROM tasks WHERE \"Fingerprint\" LIKE @p",
            $"deployment:{DeploymentPrefix}%", r => (Id: IdOf(r[0]), Fingerprint: (string)r[1], Status: Normal((string)r[2]), Occurrences: Convert.ToInt32(r[3])), cancellationToken);
        var failureRecords = await RowsAsync(store, "SELECT \"Fingerprint\" FROM failure_records WHERE \"Fingerprint\" LIKE @p",
            $"deployment:{DeploymentPrefix}%", r => (string)r[0], cancellationToken);

        var activeByTask = active.GroupBy(a => a.Task).ToDictionary(g => g.Key, g => g.Select(a => a.Agent).ToList());
        var activeByAgent = active.GroupBy(a => a.Agent).ToDictionary(g => g.Key, g => g.Count());
        var names = storedAgents.ToDictionary(a => a.Id, a => a.Name);
        string NameOf(Guid agentId) => names.GetValueOrDefault(agentId, agentId.ToString());

        // Double assignments: during the load (sampled) or left at the end, between this run's agents.
        var doubles = new HashSet<Guid>(sampledDoubles.Keys);
        foreach (var (task, holders) in activeByTask.Where(p => p.Value.Count(mine.ContainsKey) > 1))
        {
            doubles.Add(task);
            details.Add($"double assignment: task {task} has {holders.Count} active assignments ({string.Join(", ", holders.Select(NameOf))})");
        }

        foreach (var (task, count) in sampledDoubles.Where(p => !activeByTask.TryGetValue(p.Key, out var h) || h.Count(mine.ContainsKey) < 2))
        {
            details.Add($"double assignment: task {task} had {count} active assignments during the load");
        }

        // Capacity: what the agent itself was shown, what the database held during the load, and at the end.
        var overrun = new HashSet<Guid>();
        foreach (var agent in storedAgents)
        {
            var holding = activeByAgent.GetValueOrDefault(agent.Id);
            if (holding > agent.Max)
            {
                overrun.Add(agent.Id);
                details.Add($"capacity overrun: {agent.Name} (max {agent.Max}) holds {holding} active assignments at the end");
            }
        }

        foreach (var (agentId, count) in sampledOverruns)
        {
            overrun.Add(agentId);
            details.Add($"capacity overrun: {NameOf(agentId)} (max {mine[agentId].Capacity}) had {count} active assignments during the load");
        }

        foreach (var (agentId, count) in observedOverruns)
        {
            overrun.Add(agentId);
            details.Add($"capacity overrun: {NameOf(agentId)} (max {mine[agentId].Capacity}) was shown {count} current tasks by current_tasks/");
        }

        // Lost updates: what was acknowledged must be there, exactly as often as it was acknowledged.
        var lost = 0;
        void Lost(string what)
        {
            lost++;
            details.Add("lost update: " + what);
        }

        // Each report carries its id in its message too, so "exactly once" does not depend on the entry taking the client's id.
        var stored = logs.Where(l => l.Report is not null).GroupBy(l => l.Report!.Value).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (reportId, fact) in progress.Where(p => p.Value.Outcome == ProgressOutcome.Acknowledged))
        {
            var times = stored.GetValueOrDefault(reportId);
            if (times != 1)
            {
                Lost($"progress {reportId} on task {fact.Task} was acknowledged (201) but is stored {times} times");
            }
        }

        foreach (var agent in storedAgents)
        {
            var holding = activeByAgent.GetValueOrDefault(agent.Id);
            if (agent.ActiveCount is { } counted && counted != holding)
            {
                Lost($"{agent.Name} counts {agent.ActiveCount} active tasks but holds {holding} active assignments");
            }

            var ledger = mine[agent.Id];
            if (agent.Completed is { } completed && (completed < ledger.Completed || completed > ledger.Completed + ledger.CompletedUnknown))
            {
                Lost($"{agent.Name} has total_tasks_completed {agent.Completed}; {ledger.Completed} completions were acknowledged ({ledger.CompletedUnknown} unanswered)");
            }

            if (agent.Failed is { } failed && (failed < ledger.Failed || failed > ledger.Failed + ledger.FailedUnknown))
            {
                Lost($"{agent.Name} has total_tasks_failed {agent.Failed}; {ledger.Failed} failures were acknowledged ({ledger.FailedUnknown} unanswered)");
            }
        }

        foreach (var task in storedTasks)
        {
            var facts = tasks.GetValueOrDefault(task.Id) ?? new TaskFacts();
            if (facts.Completed + facts.Cancelled > 1)
            {
                Lost($"task {task.Id} got {facts.Completed} completions and {facts.Cancelled} cancellations acknowledged; it is {task.Status}");
            }
            else if (facts.Completed == 1 && task.Status != "completed")
            {
                Lost($"task {task.Id}: its completion was acknowledged, but it is {task.Status}");
            }
            else if (facts.Cancelled == 1 && task.Status != "cancelled")
            {
                Lost($"task {task.Id}: its cancellation was acknowledged, but it is {task.Status}");
            }

            if (task.RetryCount < facts.Retried || task.RetryCount > facts.Retried + facts.RetriedUnknown)
            {
                Lost($"task {task.Id} has retry_count {task.RetryCount}; {facts.Retried} retries were acknowledged ({facts.RetriedUnknown} unanswered)");
            }

            var holders = activeByTask.GetValueOrDefault(task.Id) ?? [];
            if (holders.Count == 1 && !ActiveStatuses.Contains(task.Status))
            {
                Lost($"task {task.Id} is {task.Status} but its assignment to {NameOf(holders[0])} is still active");
            }
            else if (holders.Count == 0 && ActiveStatuses.Contains(task.Status))
            {
                Lost($"task {task.Id} is {task.Status} with {NameOf(task.Agent ?? Guid.Empty)} but has no active assignment");
            }
            else if (holders.Count == 1 && task.Agent != holders[0])
            {
                Lost($"task {task.Id} names {NameOf(task.Agent ?? Guid.Empty)} as its agent but its active assignment is {NameOf(holders[0])}");
            }
        }

        // Failures: one task per fingerprint, every accepted failure counted once.
        var duplicates = 0;
        foreach (var (deployment, facts) in failures)
        {
            var fingerprint = facts.Fingerprint ?? $"deployment:{deployment}";
            var itsTasks = failureTasks.Where(t => t.Fingerprint == fingerprint).ToList();
            var open = itsTasks.Count(t => t.Status is not ("completed" or "cancelled"));
            if (itsTasks.Count > 1)
            {
                duplicates += itsTasks.Count - 1;
                details.Add($"duplicate tasks: {itsTasks.Count} tasks ({open} open) for fingerprint {fingerprint}");
            }

            var occurrences = itsTasks.Sum(t => t.Occurrences);
            if (facts.Accepted > 0 && (occurrences < facts.Accepted || occurrences > facts.Accepted + facts.Unknown))
            {
                Lost($"fingerprint {fingerprint}: {facts.Accepted} failures accepted ({facts.Unknown} unanswered), occurrences add up to {occurrences}");
            }

            var records = failureRecords.Count(r => r == fingerprint);
            if (records < facts.Accepted || records > facts.Accepted + facts.Unknown)
            {
                Lost($"fingerprint {fingerprint}: {facts.Accepted} failures accepted ({facts.Unknown} unanswered), {records} failure records stored");
            }
        }

        // Stale reports: refused reports that were applied, and anything applied to a task after it ended.
        var stale = new List<string>(lateReportsAccepted);
        foreach (var (reportId, fact) in progress.Where(p => p.Value.Outcome == ProgressOutcome.Refused && stored.ContainsKey(p.Key)))
        {
            stale.Add($"progress {reportId} on task {fact.Task} was refused{(fact.Probe ? " (a late report after a cancel)" : "")} but is stored");
        }

        foreach (var taskLogs in logs.GroupBy(l => l.Task))
        {
            var ordered = taskLogs.ToList();
            var endings = ordered.Count(l => l.Step is "completed" or "cancelled");
            if (endings > 1)
            {
                stale.Add($"task {taskLogs.Key} was ended {endings} times ({string.Join(", ", ordered.Where(l => l.Step is "completed" or "cancelled").Select(l => l.Step))})");
                continue;
            }

            if (storeKeepsInsertOrder)
            {
                var end = ordered.FindIndex(l => l.Step is "completed" or "cancelled");
                if (end >= 0 && ordered.Skip(end + 1).FirstOrDefault(l => l.ActorKind == "agent" && AgentReportSteps.Contains(l.Step)) is { } after)
                {
                    stale.Add($"task {taskLogs.Key}: {NameOf(after.Agent ?? Guid.Empty)}'s '{after.Step}' was written after the task was {ordered[end].Step}");
                }
            }
        }

        details.AddRange(stale.Select(s => "stale report applied: " + s));

        var unfinished = storedTasks.Count(t => t.Status is not ("completed" or "cancelled"));
        var answersAfter = answersAtMidway is null ? new Dictionary<string, int>() : nodes.ToDictionary(n => n.Name, n => n.Answers - answersAtMidway[n.Name]);
        return new ContentionReport
        {
            DoubleAssignments = doubles.Count,
            CapacityOverruns = overrun.Count,
            LostUpdates = lost,
            DuplicateFingerprintTasks = duplicates,
            StaleReportsApplied = stale.Count,
            ServerErrors = serverErrors.Count,
            ServerErrorSamples = serverErrors.Take(20).ToList(),
            Details = details,
            Elapsed = elapsed,
            Requests = requests,
            TasksCreated = storedTasks.Count,
            TasksUnfinished = unfinished,
            CompletionsAcknowledged = agents.Sum(a => a.Completed),
            FailuresAcknowledged = agents.Sum(a => a.Failed),
            ProgressAcknowledged = progress.Count(p => p.Value.Outcome == ProgressOutcome.Acknowledged),
            RetriesAcknowledged = tasks.Values.Sum(t => t.Retried),
            CancelsAcknowledged = tasks.Values.Sum(t => t.Cancelled),
            AssignRaces = assignRaces,
            AssignRacesWonTwice = assignRacesWonTwice,
            RetryRaces = retryRaces,
            LateReportProbes = lateProbes,
            FailuresAccepted = failures.Values.Sum(f => f.Accepted),
            Unanswered = unanswered,
            MidwayRan = answersAtMidway is not null,
            AnswersAfterMidway = answersAfter,
            CompletionsAfterMidway = answersAtMidway is null ? 0 : agents.Sum(a => a.Completed) - completionsAtMidway,
        };
    }

    // ---------------------------------------------------------------- requests

    private sealed record Reply(int Status, JsonNode? Body, ContentionNode Node);

    private async Task<Reply> SendAsync(ContentionNode node, HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await node.Http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            node.Answered();
            var status = (int)response.StatusCode;
            if (status >= 500 && status != 503)
            {
                serverErrors.Enqueue($"{node.Name} {method} {path} → {status}: {(text.Length > 300 ? text[..300] : text)}");
            }

            JsonNode? json = null;
            try
            {
                json = text.Length > 0 ? JsonNode.Parse(text) : null;
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's or the host's own error page): the status says enough.
            }

            return new Reply(status, json, node);
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
        {
            if (!node.ProcessAlive)
            {
                node.MarkDown();
            }

            Interlocked.Increment(ref unanswered);
            return new Reply(0, null, node);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref unanswered);
            return new Reply(0, null, node); // the client's timeout: no answer
        }
    }

    /// <summary>An admin request: not resent when unanswered (it is not idempotent), only when the node said busy (503/429: nothing applied).</summary>
    private async Task<Reply> SendAdminAsync(ContentionNode node, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(node, method, path, adminKey, body, cancellationToken);
        for (var attempt = 1; attempt < 4 && reply.Status is 503 or 429; attempt++)
        {
            await Task.Delay(100 * attempt, cancellationToken);
            reply = await SendAsync(node.Alive ? node : Pick(Random.Shared), method, path, adminKey, body, cancellationToken);
        }

        return reply;
    }

    /// <summary>An agent's report, which the protocol lets it resend: unanswered or busy, it goes again, through any live node.</summary>
    private async Task<Reply> SendResendableAsync(Random random, HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken)
    {
        Reply? reply = null;
        var unansweredBefore = false;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            reply = await SendAsync(Pick(random), method, path, token, body, cancellationToken);
            if (reply.Status == 0 || reply.Status >= 500)
            {
                unansweredBefore |= reply.Status != 503;
                await Task.Delay(100 * (attempt + 1), cancellationToken);
                continue;
            }

            break;
        }

        // A refusal after an unanswered attempt may be the answer to a report that was applied the first time.
        return unansweredBefore && reply!.Status is >= 400 and < 500 ? reply with { Status = 0 } : reply!;
    }

    private ContentionNode Pick(Random random, ContentionNode? avoid = null)
    {
        var live = nodes.Where(n => n.Alive).ToList();
        if (live.Count == 0)
        {
            throw new InvalidOperationException("no node is alive");
        }

        var others = live.Where(n => n != avoid).ToList();
        var choice = others.Count > 0 ? others : live;
        return choice[random.Next(choice.Count)];
    }

    private Guid? PickOpen(Random random, params string[] statuses)
    {
        lock (cacheGate)
        {
            var candidates = openTasks.Where(t => statuses.Contains(t.Status)).ToList();
            return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)].Id;
        }
    }

    private static JsonNode Expect(Reply reply, int status, string what) =>
        reply.Status == status
            ? reply.Body!
            : throw new InvalidOperationException($"{what} through {reply.Node.Name}: expected {status} but got {reply.Status}: {reply.Body?.ToJsonString()}");

    /// <summary>The id a progress message carries: "… [report 0f8f…]".</summary>
    private static Guid? ReportIdIn(string message)
    {
        var at = message.LastIndexOf(ReportMark, StringComparison.Ordinal);
        return at >= 0 && Guid.TryParse(message.AsSpan(at + ReportMark.Length).TrimEnd(']'), out var id) ? id : null;
    }

    private static bool Unknown(Reply reply) => reply.Status == 0 || (reply.Status >= 500 && reply.Status != 503);

    private static ProgressOutcome OutcomeOf(Reply reply) => reply.Status switch
    {
        >= 200 and < 300 => ProgressOutcome.Acknowledged,
        0 => ProgressOutcome.Unknown,
        503 or 429 => ProgressOutcome.Refused,
        >= 500 => ProgressOutcome.Unknown,
        _ => ProgressOutcome.Refused,
    };

    private static void Count(Reply reply, ref int acknowledged, ref int unknown)
    {
        if (reply.Status == 200)
        {
            Interlocked.Increment(ref acknowledged);
        }
        else if (Unknown(reply))
        {
            Interlocked.Increment(ref unknown);
        }
    }

    private static Guid? AgentIdOf(JsonNode? node) => node switch
    {
        JsonObject agent when (string?)agent["id"] is { } id => Guid.Parse(id),
        JsonValue value when value.TryGetValue<string>(out var id) => Guid.Parse(id),
        _ => null,
    };

    /// <summary>Statuses and actor kinds as one spelling whatever the store or the wire uses: "InProgress", "in_progress" → "inprogress".</summary>
    private static string Normal(string value) => value.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static Guid IdOf(object value) => value switch
    {
        Guid id => id,
        string text => Guid.Parse(text),
        byte[] bytes => new Guid(bytes),
        _ => throw new InvalidOperationException($"not an id: {value}"),
    };

    private static Task<List<T>> RowsAsync<T>(DbConnection connection, string sql, string? parameter, Func<object[], T> read, CancellationToken cancellationToken) =>
        RowsAsync(connection, sql, parameter, (_, values) => read(values), cancellationToken);

    private static object? Column(IReadOnlyList<string> names, object[] values, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return values[i] is DBNull ? null : values[i];
            }
        }

        return null;
    }

    private static int? Number(IReadOnlyList<string> names, object[] values, string name) =>
        Column(names, values, name) is { } value ? Convert.ToInt32(value) : null;

    private static async Task<List<T>> RowsAsync<T>(DbConnection connection, string sql, string? parameter, Func<IReadOnlyList<string>, object[], T> read, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameter is not null)
        {
            var p = command.CreateParameter();
            p.ParameterName = "p";
            p.Value = parameter;
            command.Parameters.Add(p);
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(read(names, values));
        }

        return rows;
    }

    private static Task<List<(Guid Task, Guid Agent)>> ActiveAssignmentsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        RowsAsync(connection, "SELECT \"WorkItemId\", \"AgentId\" FROM assignments WHERE \"IsActive\"", null, r => (IdOf(r[0]), IdOf(r[1])), cancellationToken);

    private static async Task Delay(int milliseconds, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The load is over; the caller's loop sees it.
        }
    }

    /// <summary>An actor ends quietly when the hard stop cuts its request; any other exception fails the run.</summary>
    private static async Task Guard(Func<Task> actor)
    {
        try
        {
            await actor();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private enum ProgressOutcome
    {
        Pending,
        Acknowledged,
        Refused,
        Unknown,
    }

    private sealed record ProgressFact(Guid Task, Guid Agent, ProgressOutcome Outcome, bool Probe);

    private sealed record StoredAgent(Guid Id, string Name, int Max, int? ActiveCount, int? Completed, int? Failed);

    private sealed record StoredTask(Guid Id, string Status, Guid? Agent, int RetryCount);

    private sealed record StoredLog(Guid Id, Guid Task, string Step, string ActorKind, Guid? Agent, Guid? Report);

    private sealed class TaskFacts
    {
        public int Completed;
        public int CompletedUnknown;
        public int Cancelled;
        public int CancelledUnknown;
        public int Retried;
        public int RetriedUnknown;
    }

    private sealed class FingerprintFacts
    {
        public int Accepted;
        public int Unknown;
        public string? Fingerprint;
    }

    private sealed class AgentState(Guid id, string name, string token, int capacity, int seed)
    {
        public Guid Id { get; } = id;
        public string Name { get; } = name;
        public string Token { get; } = token;
        public int Capacity { get; } = capacity;
        public int Seed { get; } = seed;

        public int Completed;
        public int CompletedUnknown;
        public int Failed;
        public int FailedUnknown;
    }
}
