using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The agent protocol under load: the built console as a child process on a loopback port (Production, fresh data directory,
/// as <c>post</c> and <c>contention</c> run it; OPSCONSOLE_APP_DLL runs another build), N agents connected to the hub over
/// WebSockets, each taking its pushed tasks through start → progress → complete. The driver creates tasks over REST
/// and measures throughput (tasks through the whole life per second) and the latency from POST tasks/ to the agent
/// receiving TaskAssigned (p50/p95/p99), which includes queueing when every agent is full. Like <c>post</c>, it measures
/// once warm: rounds of the same load run until throughput stops improving (tiered compilation settles), then one more
/// round is the measurement. Without <c>--rate</c> the creators send as fast as they are answered (closed loop: the
/// throughput the console sustains, and at that saturation every latency is the creators' queue, creators ÷ throughput by
/// Little's law); with <c>--rate N</c> they send N tasks a second on a fixed schedule (open loop) and each latency counts from
/// the moment its task was due, so a slow answer that delays the next creation is counted, not hidden. With ConnectionStrings__OpsConsole set, the console runs on that PostgreSQL database (a fresh
/// one each run: the run's key ring is new).
/// </summary>
public static class AgentLoad
{
    private const string Key = AppProcess.BootstrapKey;
    private const string Api = "/api/v1/orchestration";
    // Tiered compilation (counted by the JIT's perf map) still compiles a thousand methods or more in rounds 7 and 8 and
    // settles by round 9–11; rounds 1–3 can give the same cold throughput (~220 tasks/s), which once ended a warm-up at
    // round 3 with the measured round at half the warm figure. So: at least eight rounds, at most sixteen.
    private const int MinWarmUpRounds = 8;
    private const int MaxWarmUpRounds = 16;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int agentCount, int taskCount, int concurrency, int rate = 0)
    {
        var root = AppProcess.NewRoot();
        var settings = new Dictionary<string, string?>
        {
            ["OpsConsole__Api__WritesPerMinute"] = "1000000", // load on purpose, not a runaway client
        };
        if (Environment.GetEnvironmentVariable("ConnectionStrings__OpsConsole") is { Length: > 0 } postgres)
        {
            // PostgreSQL's parallel writers instead of SQLite's one. The run's key ring is new, so give it a fresh database.
            settings["OpsConsole__DatabaseProvider"] = "postgres";
            settings["ConnectionStrings__OpsConsole"] = postgres;
            settings["ConnectionStrings__Hangfire"] = postgres;
        }

        await using var node = await AppProcess.StartAsync(root, "agents", settings);
        var url = node.BaseAddress.ToString().TrimEnd('/');
        Console.WriteLine($"console: {AppProcess.AppDll()}");
        using var admin = new HttpClient { BaseAddress = new Uri(url) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        // Only the bench agents work: the seeded ones would hold tasks that nobody processes.
        var seeded = JsonNode.Parse(await admin.GetStringAsync($"{Api}/agents/?page_size=100"))!["results"]!.AsArray();
        foreach (var agent in seeded)
        {
            await Post(admin, $"{Api}/agents/{agent!["id"]}/update_status/", new { action = "deactivate" });
        }

        Round? round = null;
        var connections = new List<HubConnection>();
        Console.WriteLine($"Connecting {agentCount} agents to {url}/hubs/orchestration …");
        for (var i = 0; i < agentCount; i++)
        {
            var newAgent = JsonNode.Parse(await Post(admin, $"{Api}/agents/", new
            {
                name = $"BenchAgent-{i:000}",
                agent_type = "deployment",
                capabilities = new[] { "deployment" },
                max_concurrent_tasks = 10,
                priority_weight = 5.0,
            }))!;
            var token = (string)newAgent["token"]!;
            var hub = new HubConnectionBuilder()
                .WithUrl($"{url}/hubs/orchestration", o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .AddJsonProtocol(o => o.PayloadSerializerOptions = Json)
                .Build();
            hub.On<JsonElement>("TaskAssigned", task =>
            {
                var now = Stopwatch.GetTimestamp();
                var id = task.GetProperty("id").GetString()!;
                var title = task.GetProperty("title").GetString()!;
                var current = round;
                if (current is null || !current.Received.TryAdd(title, now))
                {
                    return;
                }

                // Work on it off the receive loop, as a worker would.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await hub.InvokeAsync<JsonElement>("StartTask", id);
                        await hub.InvokeAsync<JsonElement>("ReportProgress", id, new { message = "working", step = "bench", percent = 50 });
                        await hub.InvokeAsync<JsonElement>("CompleteTask", id, new { ok = true });
                        current.Complete(title);
                    }
                    catch (Exception ex)
                    {
                        current.Errors.Add($"{title}: {ex.Message}");
                    }
                });
            });
            await hub.StartAsync();
            connections.Add(hub);
        }

        // Warm up: the same load until throughput stops improving, then the measured round.
        var settled = await SteadyState.WarmUpRoundsAsync(async warmUp =>
        {
            round = new Round($"warm{warmUp}", taskCount, node.ProcessId);
            await round.RunAsync(url, concurrency, rate);
            Console.WriteLine($"warm-up round {warmUp}: {round.Summary()}");
            return round.TasksPerSecond;
        }, MaxWarmUpRounds, MinWarmUpRounds);
        Console.WriteLine(settled ? "warm: throughput settled" : $"still warming after {MaxWarmUpRounds} rounds: the measured round runs while the JIT still compiles");
        Console.WriteLine(MachineSpeed.Describe("before the measured round"));

        round = new Round("bench", taskCount, node.ProcessId);
        Console.WriteLine($"Measured round: {taskCount} deployment tasks, {concurrency} concurrent creators" +
            (rate > 0 ? $" sending {rate} a second on schedule" : " sending as fast as they are answered") + $", {agentCount} agents");
        await round.RunAsync(url, concurrency, rate);
        Console.WriteLine($"{agentCount} agents, {taskCount} tasks: {round.Summary()}");
        round.Report();
        Console.WriteLine(MachineSpeed.Describe("after it"));

        foreach (var hub in connections)
        {
            await hub.DisposeAsync();
        }

        await node.StopAsync();
        AppProcess.DeleteRoot(root);
    }

    private static async Task<string> Post(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }

        return text;
    }

    /// <summary>
    /// One round: <see cref="count"/> tasks created by the creators and taken through their life by the agents, and the CPU
    /// time the console spent on them (steadier than throughput on a busy machine).
    /// </summary>
    private sealed class Round(string prefix, int count, int console)
    {
        private TimeSpan consoleCpu;
        private readonly ConcurrentDictionary<string, long> sent = new();
        private readonly ConcurrentBag<(double At, double Ms)> answered = []; // when each POST was due (ms into the round), and how long its answer took
        private readonly ConcurrentDictionary<string, long> completed = new();
        private readonly TaskCompletionSource allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TimeSpan created;
        private DateTime began; // wall clock, to find a stall in a trace of the console (dotnet-trace, perf)
        private TimeSpan total;
        private bool timedOut;

        public ConcurrentDictionary<string, long> Received { get; } = new();

        public ConcurrentBag<string> Errors { get; } = [];

        public double TasksPerSecond => completed.Count / total.TotalSeconds;

        public void Complete(string title)
        {
            completed[title] = Stopwatch.GetTimestamp();
            if (completed.Count == count)
            {
                allDone.TrySetResult();
            }
        }

        /// <param name="rate">Tasks a second on a fixed schedule (each counted from when it was due), or 0 for as fast as answered.</param>
        public async Task RunAsync(string url, int concurrency, int rate)
        {
            var next = -1;
            using var process = System.Diagnostics.Process.GetProcessById(console);
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var begun = Stopwatch.GetTimestamp();
            began = DateTime.UtcNow;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                using var client = new HttpClient { BaseAddress = new Uri(url) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
                int n;
                while ((n = Interlocked.Increment(ref next)) < count)
                {
                    var title = $"{prefix}-{n:000000}";
                    var start = Stopwatch.GetTimestamp();
                    if (rate > 0)
                    {
                        var due = begun + (long)((double)n / rate * Stopwatch.Frequency);
                        if (due > start)
                        {
                            await Task.Delay(Stopwatch.GetElapsedTime(start, due));
                        }

                        start = due;
                    }

                    sent[title] = start;
                    await Post(client, $"{Api}/tasks/", new { title, description = "x", task_type = "deployment", priority = "high" });
                    answered.Add((Stopwatch.GetElapsedTime(begun, start).TotalMilliseconds, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
                }
            }));
            created = clock.Elapsed;
            timedOut = await Task.WhenAny(allDone.Task, Task.Delay(TimeSpan.FromMinutes(5))) != allDone.Task;
            total = clock.Elapsed;
            process.Refresh();
            consoleCpu = process.TotalProcessorTime - cpuBefore;
        }

        public string Summary() =>
            $"created in {created.TotalSeconds:F1} s ({count / created.TotalSeconds:F0}/s); {completed.Count} completed in {total.TotalSeconds:F1} s " +
            $"({TasksPerSecond:F0} tasks/s through assign→start→progress→complete); console CPU {consoleCpu.TotalMilliseconds / count:F1} ms a task " +
            $"({consoleCpu.TotalSeconds / total.TotalSeconds:F2} cores)" + (timedOut ? " — TIMED OUT" : "") +
            (Errors.IsEmpty ? "" : $"; {Errors.Count} errors, e.g. {Errors.First()}");

        public void Report()
        {
            ApiLoad.Report("POST tasks/ answered (created and assigned)", [.. answered.Select(a => a.Ms)]);
            // Stalls show as runs of slow answers due one after another, each a step shorter: all answered at the same moment.
            Console.WriteLine($"  the 1% slowest, in the order they were due (s into the round, which began at {began:HH:mm:ss.fff} UTC: ms): " +
                string.Join(", ", answered.OrderByDescending(a => a.Ms).Take(Math.Max(1, answered.Count / 100)).OrderBy(a => a.At).Select(a => $"{a.At / 1000:F2}: {a.Ms:F0}")));
            ApiLoad.Report("POST tasks/ → agent receives TaskAssigned",
                [.. Received.Where(r => sent.ContainsKey(r.Key)).Select(r => Stopwatch.GetElapsedTime(sent[r.Key], r.Value).TotalMilliseconds)]);
            ApiLoad.Report("POST tasks/ → CompleteTask answered",
                [.. completed.Where(c => sent.ContainsKey(c.Key)).Select(c => Stopwatch.GetElapsedTime(sent[c.Key], c.Value).TotalMilliseconds)]);
        }
    }
}
