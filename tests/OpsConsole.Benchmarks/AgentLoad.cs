using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The agent protocol under load: the real app on a loopback Kestrel port, N agents connected to the hub over
/// WebSockets, each taking its pushed tasks through start → progress → complete. The driver creates tasks over REST
/// and measures throughput (tasks through the whole life per second) and the latency from POST tasks/ to the agent
/// receiving TaskAssigned (p50/p95/p99), which includes queueing when every agent is full.
/// </summary>
public static class AgentLoad
{
    private const string Key = BenchHost.Key;
    private const string Api = "/api/v1/orchestration";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int agentCount, int taskCount, int concurrency)
    {
        using var app = new BenchHost(onLoopback: true);
        var url = app.Url;
        using var admin = new HttpClient { BaseAddress = new Uri(url) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        // Only the bench agents work: the seeded ones would hold tasks that nobody processes.
        var seeded = JsonNode.Parse(await admin.GetStringAsync($"{Api}/agents/?page_size=100"))!["results"]!.AsArray();
        foreach (var agent in seeded)
        {
            await Post(admin, $"{Api}/agents/{agent!["id"]}/update_status/", new { action = "deactivate" });
        }

        var sent = new ConcurrentDictionary<string, long>();
        var answered = new ConcurrentBag<double>();
        var received = new ConcurrentDictionary<string, long>();
        var completed = new ConcurrentDictionary<string, long>();
        var errors = new ConcurrentBag<string>();
        var allDone = new TaskCompletionSource();
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
                if (!received.TryAdd(title, now))
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
                        completed[title] = Stopwatch.GetTimestamp();
                        if (completed.Count == taskCount)
                        {
                            allDone.TrySetResult();
                        }
                    }
                    catch (Exception ex)
                    {
                        errors.Add($"{title}: {ex.Message}");
                    }
                });
            });
            await hub.StartAsync();
            connections.Add(hub);
        }

        Console.WriteLine($"Creating {taskCount} deployment tasks with {concurrency} concurrent clients …");
        var next = -1;
        var clock = Stopwatch.StartNew();
        var creators = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
            int n;
            while ((n = Interlocked.Increment(ref next)) < taskCount)
            {
                var title = $"bench-{n:000000}";
                var start = Stopwatch.GetTimestamp();
                sent[title] = start;
                await Post(client, $"{Api}/tasks/", new { title, description = "x", task_type = "deployment", priority = "high" });
                answered.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }).ToList();
        await Task.WhenAll(creators);
        var created = clock.Elapsed;
        var finished = await Task.WhenAny(allDone.Task, Task.Delay(TimeSpan.FromMinutes(5)));
        var total = clock.Elapsed;

        var latencies = received.Where(r => sent.ContainsKey(r.Key))
            .Select(r => Stopwatch.GetElapsedTime(sent[r.Key], r.Value).TotalMilliseconds).ToList();
        Console.WriteLine($"{agentCount} agents, {taskCount} tasks: created in {created.TotalSeconds:F1} s ({taskCount / created.TotalSeconds:F0}/s); " +
            $"{completed.Count} completed in {total.TotalSeconds:F1} s ({completed.Count / total.TotalSeconds:F0} tasks/s through assign→start→progress→complete)" +
            (finished == allDone.Task ? "" : " — TIMED OUT"));
        Report("POST tasks/ answered (created and assigned)", answered.ToList());
        Report("POST tasks/ → agent receives TaskAssigned", latencies);
        var lifecycle = completed.Where(c => sent.ContainsKey(c.Key)).Select(c => Stopwatch.GetElapsedTime(sent[c.Key], c.Value).TotalMilliseconds).ToList();
        Report("POST tasks/ → CompleteTask answered", lifecycle);
        if (!errors.IsEmpty)
        {
            Console.WriteLine($"{errors.Count} errors, e.g. {errors.First()}");
        }

        foreach (var hub in connections)
        {
            await hub.DisposeAsync();
        }
    }

    private static void Report(string name, List<double> samples)
    {
        if (samples.Count == 0)
        {
            Console.WriteLine($"{name}: no samples");
            return;
        }

        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        Console.WriteLine($"{name}: n={samples.Count} p50={P(0.50):F1} ms p95={P(0.95):F1} ms p99={P(0.99):F1} ms max={samples[^1]:F1} ms");
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
}
