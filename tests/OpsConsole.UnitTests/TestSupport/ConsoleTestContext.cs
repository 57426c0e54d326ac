using Bunit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Audit;
using OpsConsole.Features.Dashboard;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Health;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.Rules;
using OpsConsole.Features.WorkItems;
using OpsConsole.Hosting;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Realtime;
using OpsConsole.Security;

namespace OpsConsole.UnitTests.TestSupport;

/// <summary>
/// The one bUnit context for console pages: MudBlazor, a signed-in administrator, and the app's real services over a
/// fresh SQLite file (migrated unless a test wants a broken database), with time fixed at <see cref="Start"/>.
/// Events the pages react to are handed to the real <see cref="OpsEventStream"/> by <see cref="PublishLive"/>.
/// </summary>
public sealed class ConsoleTestContext : BunitContext
{
    public static readonly DateTimeOffset Start = new(2026, 1, 31, 12, 0, 0, TimeSpan.Zero);

    /// <summary>How long a test waits for a page to show what it loaded (the pages coalesce reloads for 250 ms).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "opsconsole-bunit", Guid.NewGuid().ToString("N"));

    public ConsoleTestContext(bool migrated = true)
    {
        Directory.CreateDirectory(directory);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddOptions<OrchestrationOptions>();
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton(new OpsConsole.Features.Agents.Demo.DemoMode(false));
        Services.AddSingleton(new Random(7));
        Services.AddSingleton<OpsEvents>();
        Services.AddSingleton<IDomainEventSink>(sp => sp.GetRequiredService<OpsEvents>());
        Services.AddSingleton<OpsEventStream>();
        Services.AddSingleton(new ClusterSettings(null));
        Services.AddSingleton<HubAudience>();
        Services.AddSingleton<LiveCircuits>();
        Services.AddOpsData(new OpsConsoleOptions { DataDirectory = directory }, new ConfigurationBuilder().Build());
        Services.AddSingleton<IJobStatistics, NoJobStatistics>();
        Services.AddSingleton<IDueWorkScheduler, NoDueWorkScheduler>();
        // GitHub as the app has it, not configured (issues stay local), with nothing to wake a job server.
        Services.Configure<OpsConsoleOptions>(_ => { });
        Services.AddSingleton(new ConsoleLinks(new OpsConsoleOptions().PublicUrl));
        Services.AddOpsGitHub(new ConfigurationBuilder().Build()).AddOpsGitHubFeatures();
        Services.AddSingleton<IIssueDeliveryTrigger, NoIssueDeliveryTrigger>();
        Services.AddOrchestration();
        Services.AddSingleton<HealthService>();
        Services.AddSingleton<DatabaseStatus>();
        Services.AddSingleton<StatusQueries>();
        Services.AddSingleton<DashboardFeed>();
        Services.AddSingleton<OpsConsole.Components.Dashboard.DashboardMarkup>();
        Services.AddSingleton<TaskQueries>();
        Services.AddDataProtection();
        Services.AddOpsIdentity();
        Services.AddSingleton<CredentialCache>();
        Services.AddSingleton<AccessGuard>();
        Services.AddSingleton<UserAdministration>();
        Services.AddSingleton<ApiKeyService>();
        Services.AddSingleton<RuleService>();
        Services.AddSingleton<OpsConsole.Features.Agents.AgentService>();
        Services.AddSingleton(OpsConsole.Features.Deployments.DeploymentSettings.From(new ConfigurationBuilder().Build()));
        Services.AddSingleton<OpsConsole.Features.Deployments.FailureIntake>();
        Services.AddSingleton<OpsConsole.Features.Rules.RulePreview>();
        Services.AddSingleton<OpsConsole.Features.Rules.RuleBacktest>();
        Services.AddSingleton<OpsConsole.Features.Notifications.NotificationQuery>();
        Services.AddSingleton<AuditQueries>();

        Authorization = AddAuthorization();
        Authorization.SetAuthorized("admin");
        Authorization.SetRoles(OpsRoles.Admin, OpsRoles.Operator, OpsRoles.Viewer);

        if (migrated)
        {
            using var db = Services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();
            db.Database.Migrate();
            // The services check a person's role in the database when they act (AccessGuard), as the app does.
            SeedUsersAsync(("admin", ApiRole.Admin)).GetAwaiter().GetResult();
        }
    }

    public FakeTimeProvider Time { get; } = new(Start);

    /// <summary>Who is signed in: "admin" with every role unless a test says otherwise.</summary>
    public Bunit.TestDoubles.BunitAuthorizationContext Authorization { get; }

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    public OrchestrationEngine Engine => Services.GetRequiredService<OrchestrationEngine>();

    public static Actor Operator { get; } = new("admin", ActorKind.User);

    public OpsDbContext Db() => Services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext();

    /// <summary>The seed's five agents, as a first start creates them.</summary>
    public async Task SeedAgentsAsync()
    {
        await using var db = Db();
        foreach (var (name, kind, capabilities, max, weight, configuration) in Seeder.DefaultAgents)
        {
            db.Agents.Add(new Agent
            {
                Name = name,
                Kind = kind,
                Capabilities = [.. capabilities],
                MaxConcurrentTasks = max,
                PriorityWeight = weight,
                Configuration = configuration,
                CreatedOn = Now,
                ModifiedOn = Now,
            });
        }

        await db.SaveChangesAsync();
    }

    public Task<WorkItem> CreateTaskAsync(string title, WorkItemKind kind = WorkItemKind.Deployment, WorkItemPriority priority = WorkItemPriority.Medium) =>
        Engine.CreateAsync(new NewWorkItem { Title = title, Kind = kind, Priority = priority }, Operator, CancellationToken.None);

    /// <summary>A task that failed for good: no retries and no automatic escalation, so it waits for a person.</summary>
    public async Task<WorkItem> CreateFailedTaskAsync(string title)
    {
        var item = await Engine.CreateAsync(
            new NewWorkItem { Title = title, Kind = WorkItemKind.Deployment, MaxRetries = 0, AutoEscalate = false }, Operator, CancellationToken.None);
        await Engine.FailAsync(item.Id, "exit code 1", null, Operator, CancellationToken.None);
        return item;
    }

    /// <summary>
    /// Stores <paramref name="others"/> with the given roles, password "Secret-pass1"; the signed-in "admin" (Admin role)
    /// is stored by the constructor of a migrated context.
    /// </summary>
    public async Task SeedUsersAsync(params (string Name, ApiRole Role)[] others)
    {
        await using var scope = Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Enum.GetNames<ApiRole>())
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        foreach (var (name, role) in others)
        {
            if (await users.FindByNameAsync(name) is not null)
            {
                continue;
            }

            var user = new IdentityUser(name);
            var created = await users.CreateAsync(user, "Secret-pass1");
            Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
            await users.AddToRolesAsync(user, OpsRoles.Implied(role));
        }
    }

    /// <summary>Hands an event to every subscribed page, as the fan-out does after a commit.</summary>
    public void PublishLive(DomainEvent domainEvent) => Services.GetRequiredService<OpsEventStream>().Dispatch(domainEvent, NullLogger.Instance);

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The job server's figures are left out of the snapshot, as when Hangfire has not reported yet.</summary>
    private sealed class NoJobStatistics : IJobStatistics
    {
        public (long Failed, long Enqueued, long Scheduled, int Servers)? Read() => null;
    }
}
