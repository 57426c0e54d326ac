using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli.Worker;

/// <summary>The server refused a report (the task is not ours any more, or the request was wrong): stop working on it.</summary>
public sealed class ReportRefusedException(string message) : Exception(message);

/// <summary>
/// The worker's way to the server: the hub when it is connected, REST otherwise. It says once when the server stops answering
/// and once when it answers again, and retries reports with backoff until the server answers; a refusal ends the attempts.
/// </summary>
internal sealed class ServerLink(WorkerSettings settings, CliEnvironment env, Style style, WorkerLog log) : IAsyncDisposable
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)];

    private bool serverDown;

    public OpsApi Api { get; } = new(env.Url, settings.Token);

    public HubConnection Hub { get; } = HubLink.Create(env.Url, settings.Token);

    public static TimeSpan BackoffAfter(int attempt) => Backoff[Math.Min(attempt, Backoff.Length - 1)];

    /// <summary>The agent this token belongs to; waits (with backoff) for a server that is not up yet, as after a restart.</summary>
    public async Task<JsonNode> WhoAmIAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var me = await Api.GetAsync("agents/me/", cancellationToken);
                ServerUp();
                return me;
            }
            catch (ServerUnreachableException unreachable)
            {
                ServerDown(unreachable);
            }

            await Task.Delay(BackoffAfter(attempt), cancellationToken);
        }
    }

    /// <summary>
    /// Sends a report over the hub when connected, else over REST, and keeps trying while the server is unreachable.
    /// A refusal (the task is not ours any more, or the report is invalid) ends the attempts.
    /// </summary>
    public async Task<JsonNode> ReportAsync(string hubMethod, object?[] hubArgs, string restPath, JsonNode? restBody, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (Hub.State == HubConnectionState.Connected)
            {
                try
                {
                    var answer = await Hub.InvokeCoreAsync<JsonElement>(hubMethod, hubArgs, cancellationToken);
                    ServerUp();
                    return JsonNode.Parse(answer.GetRawText()) ?? new JsonObject();
                }
                catch (HubException busy) when (Strip(busy.Message).StartsWith(TryAgainPrefix, StringComparison.Ordinal))
                {
                    // The database was busy or restarting and nothing was applied: the same report again, after a pause.
                    ServerDown(new InvalidOperationException(Strip(busy.Message)), "server busy");
                    await Task.Delay(BackoffAfter(attempt), cancellationToken);
                    continue;
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
                var answer = await Api.PostAsync(restPath, restBody?.ToJsonString(OpsApi.Json) ?? "{}", cancellationToken);
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

            await Task.Delay(BackoffAfter(attempt), cancellationToken);
        }
    }

    public void ServerUp()
    {
        if (serverDown)
        {
            serverDown = false;
            log.Write($"{env.Url} answers again");
        }
    }

    public void ServerDown(Exception ex, string what = "server unreachable")
    {
        if (!serverDown)
        {
            serverDown = true;
            log.Write($"{style.Bad(what)}: {ex.Message}; retrying with backoff (OPSCONSOLE_URL is {env.Url})");
        }
    }

    /// <summary>How the hub starts a refusal that changed nothing because the database was unavailable (OrchestrationHub.TryAgainPrefix).</summary>
    private const string TryAgainPrefix = "Try again later: ";

    /// <summary>The server's own words from a hub refusal ("An unexpected error occurred invoking 'X' on the server. HubException: …").</summary>
    internal static string Strip(string message)
    {
        const string marker = "HubException: ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        Api.Dispose();
    }
}
