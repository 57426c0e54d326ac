using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Intake;
using OpsConsole.Realtime;
using OpsConsole.Security;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// The bus between nodes on a real Redis: what one node commits reaches the other node's pages (its event stream), and a
/// credential one node revokes is dropped by the other (cache emptied, open connections told), never echoed back.
/// </summary>
public sealed class ClusterBusTests : IAsyncLifetime
{
    private readonly Node a = new(RedisServer.Configuration);
    private readonly Node b = new(RedisServer.Configuration);

    [Fact]
    public async Task A_change_committed_on_one_node_reaches_the_other_nodes_pages_once()
    {
        var taskId = Guid.NewGuid();

        a.Bus.Forward(new WorkItemChanged(taskId));

        var heard = await b.NextEventAsync();
        Assert.Equal(new CommittedEvent(new WorkItemChanged(taskId), FromAnotherNode: true), heard);
        a.Bus.Forward(new WorkItemAssigned(taskId, Guid.NewGuid()));
        Assert.IsType<WorkItemAssigned>((await b.NextEventAsync()).Event);
        Assert.False(a.Events.Reader.TryRead(out _), "a node does not hear its own changes back");
    }

    [Fact]
    public async Task A_credential_revoked_on_one_node_is_dropped_by_the_other_and_not_sent_back()
    {
        var revokedOnB = new TaskCompletionSource<RevokedCredential>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Credentials.Revoked += r => revokedOnB.TrySetResult(r);
        var echoedToA = 0;
        a.Credentials.Revoked += r => echoedToA += r.FromAnotherNode ? 1 : 0;
        b.Credentials.Remember("hash-of-key", []);

        a.Credentials.Revoke(CredentialKind.ApiKey, "key-7");

        Assert.Equal(new RevokedCredential(CredentialKind.ApiKey, "key-7", FromAnotherNode: true), await revokedOnB.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(b.Credentials.Find("hash-of-key"));
        Assert.Equal(0, echoedToA);
    }

    public async Task InitializeAsync()
    {
        await a.StartAsync();
        await b.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    internal sealed class Node : IAsyncDisposable
    {
        public Node(string redis)
        {
            Credentials = new CredentialCache(new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<CredentialCache>.Instance);
            Bus = new ClusterBus(new ClusterSettings(redis), Events, Stream, Credentials, NullLogger<ClusterBus>.Instance);
        }

        public OpsEvents Events { get; } = new();

        public OpsEventStream Stream { get; } = new();

        public CredentialCache Credentials { get; }

        public ClusterBus Bus { get; }

        public async Task StartAsync()
        {
            await Bus.StartAsync(CancellationToken.None);
            await Bus.Joined.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public async Task<CommittedEvent> NextEventAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await Events.Reader.ReadAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await Bus.StopAsync(CancellationToken.None);
            Bus.Dispose();
        }
    }
}

/// <summary>
/// Redis goes away and comes back (a crash, a restart): meanwhile no change crosses nodes, so once it is back every page of
/// a node re-reads what it shows, and changes cross nodes again without restarting anything.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private readonly RedisInstance redis = RedisInstance.Start();
    private ClusterBusTests.Node a = null!;
    private ClusterBusTests.Node b = null!;

    public async Task InitializeAsync()
    {
        a = new ClusterBusTests.Node(redis.Configuration);
        b = new ClusterBusTests.Node(redis.Configuration);
        await a.StartAsync();
        await b.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
        redis.Dispose();
    }

    [Fact]
    public async Task When_redis_is_back_every_page_re_reads_and_changes_cross_nodes_again()
    {
        var reread = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Stream.Missed += () => reread.TrySetResult();

        redis.StopServer();
        await Eventually.TrueAsync(() => !b.Bus.IsConnected, "node b noticing Redis is gone");
        Assert.False(reread.Task.IsCompleted);

        redis.StartServer();
        await reread.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The link is whole again: a change one node commits reaches the other's pages.
        var taskId = Guid.NewGuid();
        await Eventually.TrueAsync(() => a.Bus.IsConnected, "node a reconnecting");
        a.Bus.Forward(new WorkItemChanged(taskId));
        CommittedEvent heard;
        do
        {
            heard = await b.NextEventAsync();
        }
        while (heard.Event is not WorkItemChanged { } changed || changed.WorkItemId != taskId);
        Assert.True(heard.FromAnotherNode);
    }
}

/// <summary>A node whose Redis cannot be reached keeps serving (the database is the truth) and says so on /readyz.</summary>
public sealed class UnreachableRedisTests(UnreachableRedisTests.NodeWithoutRedis app) : IClassFixture<UnreachableRedisTests.NodeWithoutRedis>
{
    public sealed class NodeWithoutRedis : OpsConsoleFactory
    {
        // A loopback port nothing listens on: connections are refused at once.
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("ConnectionStrings:Redis", $"127.0.0.1:{Loopback.FreePort()},connectTimeout=500")];
    }

    [Fact]
    public async Task Tasks_are_still_created_and_read_while_readiness_names_redis()
    {
        var admin = app.CreateAdminClient();

        var created = await admin.CreateTaskAsync($"without redis {Routes.Tag()}", autoAssign: false);
        var read = await admin.GetTaskAsync(ApiTestExtensions.Id(created));
        var ready = await app.CreateClientWithToken(null).GetAsync("/readyz");

        Assert.Equal((string?)created["title"], (string?)read["title"]);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("redis: unreachable", await ready.Content.ReadAsStringAsync());
    }
}
