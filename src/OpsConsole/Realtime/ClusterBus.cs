using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsConsole.Domain;
using OpsConsole.Security;
using StackExchange.Redis;

namespace OpsConsole.Realtime;

/// <summary>Whether this node is one of several (ConnectionStrings:Redis is set) and who it is among them.</summary>
public sealed record ClusterSettings(string? Redis)
{
    public const string Channel = "opsconsole:events";

    public bool IsClustered => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>This process among the nodes, so a node ignores its own messages.</summary>
    public string Node { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}

/// <summary>
/// Scaled out, every node's committed changes reach every other node's pages through Redis pub/sub, and a revoked
/// credential is dropped from every node's cache and closes its connections on every node. Hub clients hear changes
/// through the SignalR Redis backplane from the node that committed them. When Redis is unreachable the node keeps
/// serving (the database is the truth) and says so once; when Redis is back, every page of this node re-reads what it
/// shows, since other nodes' changes of the meantime never reached it.
/// </summary>
public sealed class ClusterBus(ClusterSettings cluster, OpsEvents events, OpsEventStream stream, CredentialCache credentials, ILogger<ClusterBus> logger) : BackgroundService
{
    private static readonly Dictionary<string, Type> EventTypes = typeof(DomainEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(DomainEvent)) && !t.IsAbstract).ToDictionary(t => t.Name);

    private readonly TaskCompletionSource joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>The message a node sends itself to learn that its subscription is back.</summary>
    private const string Echo = "echo";

    private ConnectionMultiplexer? redis;
    private int unreachable;
    private TaskCompletionSource? ownEcho;

    /// <summary>Completes once this node listens to the others (subscribed) and tells them its revocations.</summary>
    public Task Joined => joined.Task;

    /// <summary>Whether Redis answers now (readiness: CONTRACT.md's /readyz includes Redis when it is configured).</summary>
    public bool IsConnected => redis?.IsConnected == true;

    /// <summary>Sends a change this node committed to the other nodes.</summary>
    public void Forward(DomainEvent domainEvent) =>
        Send(new Message(cluster.Node, domainEvent.GetType().Name, JsonSerializer.SerializeToElement(domainEvent, domainEvent.GetType()), null, null));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = ConfigurationOptions.Parse(cluster.Redis!);
        options.AbortOnConnectFail = false; // keep trying in the background; the node serves meanwhile
        redis = await ConnectionMultiplexer.ConnectAsync(options);
        redis.ConnectionFailed += (_, e) => Unreachable(e.Exception);
        redis.ConnectionRestored += (_, _) =>
        {
            if (Interlocked.Exchange(ref unreachable, 0) == 1)
            {
                _ = ResubscribedAsync(stoppingToken);
            }
        };
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ClusterSettings.Channel), (_, value) => Receive(value));
        credentials.Revoked += revoked =>
        {
            if (!revoked.FromAnotherNode)
            {
                Send(new Message(cluster.Node, null, null, revoked.Kind, revoked.Id));
            }
        };
        RealtimeLog.JoinedCluster(logger, cluster.Node);
        joined.TrySetResult();
        await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private void Send(Message message)
    {
        if (redis is null)
        {
            return;
        }

        try
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(ClusterSettings.Channel), JsonSerializer.Serialize(message), CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            Unreachable(ex);
        }
    }

    private void Receive(RedisValue value)
    {
        try
        {
            var message = JsonSerializer.Deserialize<Message>(value.ToString());
            if (message is null || message.Node == cluster.Node)
            {
                if (message?.Type == Echo)
                {
                    ownEcho?.TrySetResult();
                }

                return;
            }

            if (message.Kind is { } kind && message.Id is { } id)
            {
                credentials.Revoke(kind, id, fromAnotherNode: true);
            }
            else if (message.Type is { } type && EventTypes.TryGetValue(type, out var eventType) && message.Event is { } payload
                && payload.Deserialize(eventType) is DomainEvent domainEvent)
            {
                events.PublishFromAnotherNode(domainEvent);
            }
        }
        catch (JsonException ex)
        {
            RealtimeLog.ClusterMessageUnreadable(logger, ex);
        }
    }

    /// <summary>
    /// Redis is back: once this node hears its own message again (its subscription is restored, so no later change can be
    /// missed), its pages re-read what they show, catching up with what other nodes changed meanwhile.
    /// </summary>
    private async Task ResubscribedAsync(CancellationToken stoppingToken)
    {
        var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref ownEcho, echo);
        for (var attempt = 0; attempt < 60 && !stoppingToken.IsCancellationRequested && !echo.Task.IsCompleted; attempt++)
        {
            Send(new Message(cluster.Node, Echo, null, null, null));
            await Task.WhenAny(echo.Task, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }

        RealtimeLog.RedisReachable(logger);
        stream.ChangesMayHaveBeenMissed();
    }

    private void Unreachable(Exception? ex)
    {
        if (Interlocked.Exchange(ref unreachable, 1) == 0)
        {
            RealtimeLog.RedisUnreachable(logger, ex);
        }
    }

    public override void Dispose()
    {
        redis?.Dispose();
        base.Dispose();
    }

    /// <summary>Readiness: not ready while Redis, configured, cannot be reached (changes would not cross nodes).</summary>
    public sealed class Readiness(ClusterBus bus) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(bus.IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("redis: unreachable"));
    }

    private sealed record Message(string Node, string? Type, JsonElement? Event, CredentialKind? Kind, string? Id);
}
