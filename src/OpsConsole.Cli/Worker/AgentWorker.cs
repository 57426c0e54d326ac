using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Worker;

public sealed record WorkerSettings(string Token, string? Command, TimeSpan HeartbeatEvery, TimeSpan PollEvery);

/// <summary>The server refused a report (the task is not ours any more, or the request was wrong): stop working on it.</summary>
public sealed class ReportRefusedException(string message) : Exception(message);

/// <summary>
/// The reference agent worker. It learns who it is (agents/me/), heartbeats, receives its tasks pushed over the hub
/// and pulls current_tasks as a fallback, runs the command for each task one at a time, streams stdout as progress,
/// and completes or fails the task. Every report is retried until the server answers, which is safe because the
/// server treats resends as no-ops. It rides out server restarts (the hub reconnects, REST is retried) and on
/// Ctrl-C stops the running command and gives back every task it still holds.
/// </summary>
public sealed class AgentWorker(WorkerSettings settings, CliEnvironment env) : IAsyncDisposable
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)];

    private readonly OpsApi api = new(env.Url, settings.Token);
    private readonly HubConnection hub = HubLink.Create(env.Url, settings.Token);
    private readonly Channel<string> queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, bool> known = new();
    private readonly SemaphoreSlim pollNow = new(0, 1);
    private readonly TextWriter output = TextWriter.Synchronized(env.Out);
    private readonly Style style = new(env.Color);
    private readonly CancellationTokenSource fatal = new();
    private string agentId = "";
    private string agentName = "";
    private bool serverDown;
    private string? fatalReason;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var me = await WhoAmIAsync(cancellationToken);
        agentId = Show.Text(me, "id");
        agentName = Show.Text(me, "name");
        Log($"agent {style.Bold(agentName)} ({agentId}) working for {env.Url}; " +
            (settings.Command is null ? "no --command: tasks are acknowledged and completed" : $"command: {settings.Command}") + "; Ctrl-C to stop");

        hub.On<JsonElement>("TaskAssigned", task =>
        {
            if (task.TryGetProperty("id", out var id) && id.GetString() is { } taskId)
            {
                Enqueue(taskId);
            }
        });
        hub.Reconnecting += error =>
        {
            Log($"hub connection lost ({error?.Message ?? "closed"}); reconnecting, and pulling tasks over REST meanwhile");
            return Task.CompletedTask;
        };
        hub.Reconnected += _ =>
        {
            Log("hub reconnected");
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
            await ProcessLoopAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        await GiveBackAsync();
        try
        {
            await hub.StopAsync(CancellationToken.None);
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

        Log("stopped");
        return ExitCodes.Ok;
    }

    /// <summary>The agent this token belongs to; waits (with backoff) for a server that is not up yet, as after a restart.</summary>
    private async Task<JsonNode> WhoAmIAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var me = await api.GetAsync("agents/me/", cancellationToken);
                ServerUp();
                return me;
            }
            catch (ServerUnreachableException unreachable)
            {
                ServerDown(unreachable);
            }

            await Task.Delay(Backoff[Math.Min(attempt, Backoff.Length - 1)], cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        api.Dispose();
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
                if (hub.State == HubConnectionState.Connected)
                {
                    await hub.InvokeAsync<JsonElement>("Heartbeat", cancellationToken);
                }
                else
                {
                    await api.PostAsync($"agents/{agentId}/heartbeat/", null, cancellationToken);
                }

                ServerUp();
            }
            catch (ApiRefusedException refused) when (refused.Status is 401 or 403 or 404)
            {
                Fatal($"the server no longer accepts this agent's token ({refused.Status}: {refused.Detail}); ask an admin for a new token");
                return;
            }
            catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException or HttpRequestException or HubException or IOException or InvalidOperationException)
            {
                ServerDown(ex);
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
            if (hub.State == HubConnectionState.Disconnected)
            {
                try
                {
                    await hub.StartAsync(cancellationToken);
                    Log($"connected to {env.Url}{HubLink.Path}");
                    attempt = 0;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TimeoutException)
                {
                    if (attempt == 0)
                    {
                        Log($"hub not reachable ({ex.Message}); pulling tasks over REST until it is");
                    }

                    attempt++;
                }
            }

            await Task.Delay(attempt == 0 ? TimeSpan.FromSeconds(5) : Backoff[Math.Min(attempt, Backoff.Length - 1)], cancellationToken);
        }
    }

    /// <summary>Pulls current_tasks: the fallback for agents without a hub connection, and a safety net with one.</summary>
    private async Task PollLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var tasks = await api.GetAsync($"agents/{agentId}/current_tasks/", cancellationToken);
                foreach (var task in tasks.AsArray())
                {
                    Enqueue(Show.Text(task, "id"));
                }

                ServerUp();
            }
            catch (ApiRefusedException refused) when (refused.Status is 401 or 403 or 404)
            {
                Fatal($"the server no longer accepts this agent's token ({refused.Status}: {refused.Detail}); ask an admin for a new token");
                return;
            }
            catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException)
            {
                ServerDown(ex);
            }

            var every = hub.State == HubConnectionState.Connected ? settings.PollEvery : TimeSpan.FromSeconds(Math.Min(5, settings.PollEvery.TotalSeconds));
            await pollNow.WaitAsync(every, cancellationToken);
        }
    }

    private async Task ProcessLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var taskId in queue.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await WorkOnAsync(taskId, cancellationToken);
            }
            finally
            {
                known.TryRemove(taskId, out _);
            }
        }
    }

    // ---------------------------------------------------------------- one task

    private async Task WorkOnAsync(string taskId, CancellationToken cancellationToken)
    {
        JsonNode task;
        try
        {
            task = await ReportAsync("StartTask", [taskId], $"tasks/{taskId}/start/", null, cancellationToken);
        }
        catch (ReportRefusedException refused)
        {
            Log($"skipping task {taskId}: {refused.Message}");
            return;
        }

        var title = Show.Text(task, "title");
        Log($"▶ {title} ({style.Word(Show.Text(task, "priority"))}, {taskId})");
        if (settings.Command is null)
        {
            await FinishAsync(taskId, title, new CommandResult(0, "", "", TimeSpan.Zero), acknowledgeOnly: true, cancellationToken);
            return;
        }

        var lines = Channel.CreateUnbounded<string>();
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = Task.Run(() => StreamProgressAsync(taskId, lines.Reader, reporting.Token), CancellationToken.None);
        CommandResult result;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["OPSCONSOLE_TASK_ID"] = taskId,
                ["OPSCONSOLE_TASK_TITLE"] = title,
                ["OPSCONSOLE_AGENT_ID"] = agentId,
                ["OPSCONSOLE_AGENT_NAME"] = agentName,
                ["OPSCONSOLE_URL"] = env.Url,
            };
            result = await CommandRunner.RunAsync(settings.Command, task.ToJsonString(OpsApi.Json), environment, line => lines.Writer.TryWrite(line), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lines.Writer.TryComplete();
            Log($"stopped the command for '{title}'; the task is given back");
            throw;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            result = new CommandResult(127, "", $"the command could not be started: {ex.Message}", TimeSpan.Zero);
        }

        lines.Writer.TryComplete();
        await reporter; // every progress line is reported before the result
        await FinishAsync(taskId, title, result, acknowledgeOnly: false, cancellationToken);
    }

    private async Task FinishAsync(string taskId, string title, CommandResult result, bool acknowledgeOnly, CancellationToken cancellationToken)
    {
        try
        {
            if (result.ExitCode == 0)
            {
                var outputData = acknowledgeOnly
                    ? new JsonObject { ["handled_by"] = "opsctl agent run", ["note"] = "no --command given: task acknowledged" }
                    : Output(result);
                await ReportAsync("CompleteTask", [taskId, JsonSerializer.SerializeToElement(outputData, OpsApi.Json)], $"tasks/{taskId}/complete/",
                    new JsonObject { ["output_data"] = outputData }, cancellationToken);
                Log($"{style.Good("✔ completed")} {title} ({result.Duration.TotalSeconds:F1} s)");
            }
            else
            {
                var lastLine = result.StderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
                var message = $"command exited with code {result.ExitCode}" + (lastLine is { Length: > 0 } ? $": {Show.Cut(lastLine, 300)}" : "");
                var details = result.StderrTail.Length > 0 ? result.StderrTail : Tail(result.Stdout);
                var failure = new JsonObject { ["error_message"] = message, ["error_details"] = details.Length > 0 ? details : null };
                await ReportAsync("FailTask", [taskId, failure], $"tasks/{taskId}/fail/", failure, cancellationToken);
                Log($"{style.Bad("✘ failed")} {title}: {message}");
            }
        }
        catch (ReportRefusedException refused)
        {
            Log($"the result of '{title}' was refused: {refused.Message}");
        }
    }

    /// <summary>The task's output: the JSON object the command printed, or its exit code and the tail of its output.</summary>
    private static JsonObject Output(CommandResult result)
    {
        var text = result.Stdout.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject printed)
                {
                    return printed;
                }
            }
            catch (JsonException)
            {
            }
        }

        return new JsonObject
        {
            ["exit_code"] = result.ExitCode,
            ["stdout"] = Tail(result.Stdout),
            ["duration_seconds"] = Math.Round(result.Duration.TotalSeconds, 3),
        };
    }

    private static string Tail(string text)
    {
        text = text.TrimEnd();
        return text.Length > CommandRunner.TailCharacters ? text[^CommandRunner.TailCharacters..] : text;
    }

    /// <summary>Reports stdout as progress, gathering lines that arrive together into one entry (each with its own id, so a resend is harmless).</summary>
    private async Task StreamProgressAsync(string taskId, ChannelReader<string> lines, CancellationToken cancellationToken)
    {
        var number = 0;
        while (await lines.WaitToReadAsync(cancellationToken))
        {
            var batch = new StringBuilder();
            var count = 0;
            while (count < 50 && batch.Length < 4000 && lines.TryRead(out var line))
            {
                if (batch.Length > 0)
                {
                    batch.Append('\n');
                }

                batch.Append(line);
                count++;
            }

            var message = batch.ToString().Trim();
            if (message.Length == 0)
            {
                continue;
            }

            number += count;
            var report = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["message"] = Show.Cut(message, 5000),
                ["step"] = "output",
                ["data"] = new JsonObject { ["lines"] = count, ["line_number"] = number },
            };
            try
            {
                await ReportAsync("ReportProgress", [taskId, report], $"tasks/{taskId}/progress/", report, cancellationToken);
            }
            catch (ReportRefusedException refused)
            {
                Log($"progress for {taskId} refused: {refused.Message}");
                return;
            }
        }
    }

    // ---------------------------------------------------------------- reporting

    /// <summary>
    /// Sends a report over the hub when connected, else over REST, and keeps trying while the server is unreachable.
    /// A refusal (the task is not ours any more, or the report is invalid) ends the attempts.
    /// </summary>
    private async Task<JsonNode> ReportAsync(string hubMethod, object?[] hubArgs, string restPath, JsonNode? restBody, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (hub.State == HubConnectionState.Connected)
            {
                try
                {
                    var answer = await hub.InvokeCoreAsync<JsonElement>(hubMethod, hubArgs, cancellationToken);
                    ServerUp();
                    return JsonNode.Parse(answer.GetRawText()) ?? new JsonObject();
                }
                catch (HubException refused)
                {
                    throw new ReportRefusedException(Strip(refused.Message));
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // The connection dropped during the call: try REST below.
                }
            }

            try
            {
                var answer = await api.PostAsync(restPath, restBody?.ToJsonString(OpsApi.Json) ?? "{}", cancellationToken);
                ServerUp();
                return answer;
            }
            catch (ApiRefusedException refused) when (refused.Status is >= 400 and < 500 and not 408 and not 429)
            {
                throw new ReportRefusedException(refused.Detail);
            }
            catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException)
            {
                ServerDown(ex);
            }

            await Task.Delay(Backoff[Math.Min(attempt, Backoff.Length - 1)], cancellationToken);
        }
    }

    /// <summary>On the way out: every task this agent still holds goes back to the queue for another agent.</summary>
    private async Task GiveBackAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var held = await api.GetAsync($"agents/{agentId}/current_tasks/", timeout.Token);
            var released = 0;
            foreach (var task in held.AsArray())
            {
                try
                {
                    await api.PostAsync($"tasks/{Show.Text(task, "id")}/release/", "{}", timeout.Token);
                    released++;
                }
                catch (ApiRefusedException)
                {
                    // Taken away meanwhile: nothing to give back.
                }
            }

            if (released > 0)
            {
                Log($"gave back {released} task(s) for other agents");
            }
        }
        catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException or OperationCanceledException)
        {
            Log($"could not give back held tasks ({ex.Message}); the server will reassign them when this agent's heartbeat times out");
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

    private void ServerUp()
    {
        if (serverDown)
        {
            serverDown = false;
            Log($"{env.Url} answers again");
        }
    }

    private void ServerDown(Exception ex)
    {
        if (!serverDown)
        {
            serverDown = true;
            Log($"{style.Bad("server unreachable")}: {ex.Message}; retrying with backoff (OPSCONSOLE_URL is {env.Url})");
        }
    }

    private void Fatal(string reason)
    {
        fatalReason = reason;
        fatal.Cancel();
    }

    /// <summary>The server's own words from a hub refusal ("An unexpected error occurred invoking 'X' on the server. HubException: …").</summary>
    internal static string Strip(string message)
    {
        const string marker = "HubException: ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }

    private void Log(string text) => output.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {text}");
}
