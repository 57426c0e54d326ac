using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Worker;

/// <summary>Who the worker works as, from agents/me/.</summary>
internal sealed record AgentIdentity(string Id, string Name);

/// <summary>
/// One task, start to finish: starts it, runs the command with the task as JSON on stdin, reports stdout as progress while it
/// runs, and completes the task with the command's output or fails it with its exit code and the tail of stderr. Without a
/// command the task is acknowledged and completed.
/// </summary>
internal sealed class TaskRunner(WorkerSettings settings, string url, AgentIdentity agent, ServerLink link, Style style, WorkerLog log)
{
    private volatile MessagesFile? messages;

    /// <summary>A steering message pushed over the hub (TaskMessage): written for the command when it is about the running task.</summary>
    public void Deliver(JsonNode message)
    {
        if (messages is { } file && (string?)message["task_id"] == file.TaskId)
        {
            file.Append(message);
        }
    }

    public async Task WorkOnAsync(string taskId, CancellationToken cancellationToken)
    {
        JsonNode task;
        try
        {
            task = await link.ReportAsync("StartTask", [taskId], $"tasks/{taskId}/start/", null, cancellationToken);
        }
        catch (ReportRefusedException refused)
        {
            log.Write($"skipping task {taskId}: {refused.Message}");
            return;
        }

        var title = Show.Text(task, "title");
        log.Write($"▶ {title} ({style.Word(Show.Text(task, "priority"))}, {taskId})");
        if (settings.Command is null)
        {
            await FinishAsync(taskId, title, new CommandResult(0, "", "", TimeSpan.Zero), acknowledgeOnly: true, cancellationToken);
            return;
        }

        using var steering = messages = new MessagesFile(taskId);
        await CatchUpMessagesAsync(steering, cancellationToken);
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
                ["OPSCONSOLE_AGENT_ID"] = agent.Id,
                ["OPSCONSOLE_AGENT_NAME"] = agent.Name,
                ["OPSCONSOLE_URL"] = url,
                ["OPSCONSOLE_MESSAGES_FILE"] = steering.Path,
            };
            result = await CommandRunner.RunAsync(settings.Command, task.ToJsonString(OpsApi.Json), environment, line => lines.Writer.TryWrite(line), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lines.Writer.TryComplete();
            log.Write($"stopped the command for '{title}'; the task is given back");
            throw;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            result = new CommandResult(127, "", $"the command could not be started: {ex.Message}", TimeSpan.Zero);
        }

        lines.Writer.TryComplete();
        messages = null;
        await reporter; // every progress line is reported before the result
        await FinishAsync(taskId, title, result, acknowledgeOnly: false, cancellationToken);
    }

    /// <summary>The messages sent before the run started (or while the hub was away).</summary>
    private async Task CatchUpMessagesAsync(MessagesFile file, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var message in (await link.Api.GetAsync($"tasks/{file.TaskId}/messages/", cancellationToken)).AsArray())
            {
                file.Append(message!);
            }
        }
        catch (Exception ex) when (ex is ServerUnreachableException or ApiRefusedException)
        {
            log.Write($"could not read the messages of {file.TaskId} ({ex.Message}); new ones still arrive over the hub");
        }
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
                await link.ReportAsync("CompleteTask", [taskId, JsonSerializer.SerializeToElement(outputData, OpsApi.Json)], $"tasks/{taskId}/complete/",
                    new JsonObject { ["output_data"] = outputData }, cancellationToken);
                log.Write($"{style.Good("✔ completed")} {title} ({result.Duration.TotalSeconds:F1} s)");
            }
            else
            {
                var lastLine = result.StderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
                var message = $"command exited with code {result.ExitCode}" + (lastLine is { Length: > 0 } ? $": {Show.Cut(lastLine, 300)}" : "");
                var details = result.StderrTail.Length > 0 ? result.StderrTail : Tail(result.Stdout);
                var failure = new JsonObject { ["error_message"] = message, ["error_details"] = details.Length > 0 ? details : null };
                await link.ReportAsync("FailTask", [taskId, failure], $"tasks/{taskId}/fail/", failure, cancellationToken);
                log.Write($"{style.Bad("✘ failed")} {title}: {message}");
            }
        }
        catch (ReportRefusedException refused)
        {
            log.Write($"the result of '{title}' was refused: {refused.Message}");
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
                    printed.Remove("usage"); // reported already, as the line it was
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
            if (lines.TryPeek(out var first) && UsageLine(first) is { } usageReport)
            {
                lines.TryRead(out _);
                if (!await SendAsync(taskId, usageReport, cancellationToken))
                {
                    return;
                }

                continue;
            }

            var batch = new StringBuilder();
            var count = 0;
            while (count < 50 && batch.Length < 4000 && lines.TryPeek(out var next) && UsageLine(next) is null && lines.TryRead(out var line))
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
            if (!await SendAsync(taskId, report, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task<bool> SendAsync(string taskId, JsonObject report, CancellationToken cancellationToken)
    {
        try
        {
            await link.ReportAsync("ReportProgress", [taskId, report], $"tasks/{taskId}/progress/", report, cancellationToken);
            return true;
        }
        catch (ReportRefusedException refused)
        {
            log.Write($"progress for {taskId} refused: {refused.Message}");
            return false;
        }
    }

    /// <summary>
    /// A line the command printed to report what it used: a JSON object with a <c>usage</c> object
    /// (<c>{"usage": {"input_tokens": …, "output_tokens": …, "cost_usd": …, "model": …}, "message": "…"}</c>), sent as a progress
    /// report of its own with that usage; null for any other line.
    /// </summary>
    internal static JsonObject? UsageLine(string line)
    {
        var text = line.Trim();
        if (!text.StartsWith('{') || !text.Contains("\"usage\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(text) is JsonObject { } printed && printed["usage"] is JsonObject usage)
            {
                return new JsonObject
                {
                    ["id"] = Guid.NewGuid().ToString(),
                    ["message"] = Show.Cut((string?)printed["message"] ?? "usage reported", 5000),
                    ["step"] = "usage",
                    ["usage"] = usage.DeepClone(),
                };
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
