using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.Cli;

/// <summary>The hub connection opsctl uses: the key or token as access token, snake_case JSON, reconnecting for ever.</summary>
public static class HubLink
{
    public const string Path = "/hubs/orchestration";

    public static HubConnection Create(string url, string token) =>
        new HubConnectionBuilder()
            .WithUrl(url.TrimEnd('/') + Path, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect(new ForeverRetryPolicy())
            .AddJsonProtocol(o => o.PayloadSerializerOptions = OpsApi.Json)
            .Build();

    /// <summary>Connects once; what goes wrong becomes the same exceptions as the REST client's, with advice.</summary>
    public static async Task StartAsync(HubConnection hub, string url, CancellationToken cancellationToken)
    {
        try
        {
            await hub.StartAsync(cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ApiRefusedException((int)ex.StatusCode!, "Authentication required",
                $"the hub at {url}{Path} did not accept the key or token: check {CliEnvironment.ApiKeyVariable} (or the agent token); it may have been revoked or rotated.", null);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(url, ex.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused (nothing listens there)" : ex.Message, ex);
        }
    }

    /// <summary>Reconnects at once, then after 1, 2, 5, 10 and every 15 seconds, for as long as the command runs.</summary>
    public sealed class ForeverRetryPolicy : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => retryContext.PreviousRetryCount switch
        {
            0 => TimeSpan.Zero,
            1 => TimeSpan.FromSeconds(1),
            2 => TimeSpan.FromSeconds(2),
            3 => TimeSpan.FromSeconds(5),
            4 => TimeSpan.FromSeconds(10),
            _ => TimeSpan.FromSeconds(15),
        };
    }
}
