using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>The app pointed at a <see cref="FakeGitHub"/>; time is the factory's fake clock.</summary>
public class GitHubOpsConsole : OpsConsoleFactory, IAsyncLifetime
{
    public GitHubOpsConsole()
    {
    }

    protected GitHubOpsConsole(string? dataDirectory)
        : base(dataDirectory)
    {
    }

    public FakeGitHub GitHub { get; private set; } = null!;

    /// <summary>False: the app starts without a token (issues stay local).</summary>
    protected virtual bool WithToken => true;

    protected override IEnumerable<KeyValuePair<string, string>> Settings => GitHub.Settings(WithToken);

    public OpsConsole.Integrations.GitHub.GitHubOutbox Outbox => Services.GetRequiredService<OpsConsole.Integrations.GitHub.GitHubOutbox>();

    public async Task InitializeAsync() => GitHub = await FakeGitHub.StartAsync(() => Time.GetUtcNow().UtcDateTime);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await GitHub.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Runs a delivery pass as the outbox job would, and returns what it did.</summary>
    public Task<OpsConsole.Integrations.GitHub.OutboxPass> DeliverAsync() => Outbox.DeliverAsync(CancellationToken.None);
}
