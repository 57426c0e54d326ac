using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Worker;

public sealed record WorkerSettings(string Token, string? Command, TimeSpan HeartbeatEvery, TimeSpan PollEvery);

/// <summary>
/// The reference agent worker. It learns who it is (agents/me/), heartbeats, receives its tasks pushed over the hub
/// and pulls current_tasks as a fallback, runs the command for each task one at a time (<see cref="TaskRunner"/>), and
/// reports through <see cref="ServerLink"/>, which retries every report until the server answers; that is safe because the
/// server treats resends as no-ops. It rides out server restarts (the hub reconnects, REST is retried) and on
/// Ctrl-C stops the running command and gives back every task it still holds.
/// </summary>
public sealed class AgentWorker : IAsyncDisposable
{
    private readonly WorkerSettings settings;
    private readonly CliEnvironment env;
    private readonly Style style;
    private readonly WorkerLog log;
    private readonly ServerLink link;
    private readonly Channel<string> queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, bool> known = new();
    private readonly SemaphoreSlim pollNow = new(0, 1);
    private readonly CancellationTokenSource fatal = new();
    private string agentId = "";
    private string? fatalReason;

    public AgentWorker(WorkerSettings settings, CliEnvironment env)
    {
        this.settings = settings;
        this.env = env;
        style = new Style(env.Color);
        log = new WorkerLog(env.Out);
        link = new ServerLink(settings, env, style, log);
    }

    private HubConnection Hub => link.Hub;

    private OpsApi Api => link.Api;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var me = await link.WhoAmIAsync(cancellationToken);
        var agent = new AgentIdentity(Show.Text(me, "id"), Show.Text(me, "name"));
        agentId = agent.Id;
        log.Write($"agent {style.Bold(agent.Name)} ({agent.Id}) working for {env.Url}; " +
            (settings.Command is null ? "no --command: tasks are acknowledged and completed" : $"command: {settings.Command}") + "; Ctrl-C to stop");

        var runner = new TaskRunner(settings, env.Url, agent, link, style, log);
        Hub.On<JsonElement>("TaskMessage", message => runner.Deliver(System.Text.Json.Nodes.JsonNode.Parse(message.GetRawText())!));
        Hub.On<JsonElement>("TaskAssigned", task =>
        {
            if (task.TryGetProperty("id", out var id) && id.GetString() is { } taskId)
            {
                Enqueue(taskId);
            }
        });
        Hub.Reconnecting += error =>
        {
            log.Write($"hub connection lost ({error?.Message ?? "closed"}); reconnecting, and pulling tasks over REST meanwhile");
            return Task.CompletedTask;
        };
        Hub.Reconnected += _ =>
        {
            log.Write("hub reconnected");
            SignalPoll();
            return Task.CompletedTask;
        };


        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, fatal.Token);
        var loops = new[]
        {
            Task.Run(() => HeartbeatLoopAsync(stop.Token), CancellationToken.None),
            Task.Run(() => ConnectLoopAsync(stop.Token), CancellationToken.None),
            Task.Run(() => PollLoopAsync(stop.Token), CancellationToken.None),
        };
        try
        {
            await ProcessLoopAsync(runner, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        await GiveBackAsync();
        try
        {
            await Hub.StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Closing a connection that is already gone.
        }

        if (fatalReason is not null)
        {
            await env.Error.WriteLineAsync($"{style.Bad("error:")} {fatalReason}");
            return ExitCodes.Refused;
        }

        log.Write("stopped");
        return ExitCodes.Ok;
    }

    public async ValueTask DisposeAsync()
    {
        await link.DisposeAsync();
        fatal.Dispose();
        pollNow.Dispose();
    }

    // ---------------------------------------------------------------- loops

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (Hub.State == HubConnectionState.Connected)
                {
                    await Hub.InvokeAsync<JsonElement>("Heartbeat", cancellationToken);
                }
                else
                {
                    await Api.PostAsync($"agents/{agentId}/heartbeat/", null, cancellationToken);
                }

                link.ServerUp();
            }
            catch (ApiRefusedException refused) when (refused.Status is 401 or 403 or 404)
            {
                Fatal($"the server no longer accepts this agent's token ({refused.Status}: {refused.Detail}); ask an admin for a new token");
                return;
            }
            catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException or HttpRequestException or HubException or IOException or InvalidOperationException)
            {
                link.ServerDown(ex);
            }

            await Task.Delay(settings.HeartbeatEvery, cancellationToken);
        }
    }

    /// <summary>Connects the hub, and connects it again should it ever close for good; REST polling covers the gaps.</summary>
    private async Task ConnectLoopAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Hub.State == HubConnectionState.Disconnected)
            {
                try
                {
                    await Hub.StartAsync(cancellationToken);
                    log.Write($"connected to {env.Url}{HubLink.Path}");
                    attempt = 0;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TimeoutException)
                {
                    if (attempt == 0)
                    {
                        log.Write($"hub not reachable ({ex.Message}); pulling tasks over REST until it is");
                    }

                    attempt++;
                }
            }

            await Task.Delay(attempt == 0 ? TimeSpan.FromSeconds(5) : ServerLink.BackoffAfter(attempt), cancellationToken);
        }
    }

    /// <summary>Pulls current_tasks: the fallback for agents without a hub connection, and a safety net with one.</summary>
    private async Task PollLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var tasks = await Api.GetAsync($"agents/{agentId}/current_tasks/", cancellationToken);
                foreach (var task in tasks.AsArray())
                {
                    Enqueue(Show.Text(task, "id"));
                }

                link.ServerUp();
            }
            catch (ApiRefusedException refused) when (refused.Status is 401 or 403 or 404)
            {
                Fatal($"the server no longer accepts this agent's token ({refused.Status}: {refused.Detail}); ask an admin for a new token");
                return;
            }
            catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException)
            {
                link.ServerDown(ex);
            }

            var every = Hub.State == HubConnectionState.Connected ? settings.PollEvery : TimeSpan.FromSeconds(Math.Min(5, settings.PollEvery.TotalSeconds));
            await pollNow.WaitAsync(every, cancellationToken);
        }
    }

    private async Task ProcessLoopAsync(TaskRunner runner, CancellationToken cancellationToken)
    {
        await foreach (var taskId in queue.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await runner.WorkOnAsync(taskId, cancellationToken);
            }
            finally
            {
                known.TryRemove(taskId, out _);
            }
        }
    }

    /// <summary>On the way out: every task this agent still holds goes back to the queue for another agent.</summary>
    private async Task GiveBackAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var held = await Api.GetAsync($"agents/{agentId}/current_tasks/", timeout.Token);
            var released = 0;
            foreach (var task in held.AsArray())
            {
                try
                {
                    await Api.PostAsync($"tasks/{Show.Text(task, "id")}/release/", "{}", timeout.Token);
                    released++;
                }
                catch (ApiRefusedException)
                {
                    // Taken away meanwhile: nothing to give back.
                }
            }

            if (released > 0)
            {
                log.Write($"gave back {released} task(s) for other agents");
            }
        }
        catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException or OperationCanceledException)
        {
            log.Write($"could not give back held tasks ({ex.Message}); the server will reassign them when this agent's heartbeat times out");
        }
    }

    // ---------------------------------------------------------------- helpers

    private void Enqueue(string taskId)
    {
        if (taskId.Length > 0 && known.TryAdd(taskId, true))
        {
            queue.Writer.TryWrite(taskId);
        }
    }

    private void SignalPoll()
    {
        try
        {
            pollNow.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private void Fatal(string reason)
    {
        fatalReason = reason;
        fatal.Cancel();
    }
}
