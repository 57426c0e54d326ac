using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// The application's database. It also holds the Data Protection key ring when nodes share a PostgreSQL database
/// (<see cref="DataProtectionKeys"/>), so every node decrypts what any node encrypted and accepts every node's cookies.
/// </summary>
public class OpsDbContext : IdentityDbContext<IdentityUser>, IDataProtectionKeyContext
{
    public OpsDbContext(DbContextOptions<OpsDbContext> options)
        : base(options)
    {
    }

    /// <summary>For provider-specific subclasses that own their own migrations (PostgreSQL).</summary>
    protected OpsDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<WorkItem> WorkItems => Set<WorkItem>();
    public DbSet<Agent> Agents => Set<Agent>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<WorkItemLogEntry> LogEntries => Set<WorkItemLogEntry>();
    public DbSet<OrchestrationRule> Rules => Set<OrchestrationRule>();
    public DbSet<HealthSample> HealthSamples => Set<HealthSample>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<FailureRecord> FailureRecords => Set<FailureRecord>();
    public DbSet<DeploymentLogCursor> DeploymentLogCursors => Set<DeploymentLogCursor>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<BugReport> BugReports => Set<BugReport>();

    public DbSet<BugReportScreenshot> BugReportScreenshots => Set<BugReportScreenshot>();
    public DbSet<IssueOutboxEntry> IssueOutbox => Set<IssueOutboxEntry>();
    public DbSet<UsageRecord> UsageRecords => Set<UsageRecord>();
    public DbSet<TaskMessage> TaskMessages => Set<TaskMessage>();
    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<WorkLease> WorkLeases => Set<WorkLease>();

    /// <summary>
    /// The row version of tasks and agents: every update writes version + 1 where the version is still the one read,
    /// so of two writers that read the same row, the second changes nothing and its unit of work runs again.
    /// </summary>
    public const string VersionColumn = "Version";

    private readonly Dictionary<Guid, (int Count, DateTime At)> ruleTriggers = [];

    /// <summary>
    /// Counts one evaluation of a rule (its trigger_count and last_triggered), written with this context's next save as one
    /// atomic <c>trigger_count + n</c> per rule: writers on two nodes never lose a count, and a count is bookkeeping, not an
    /// audited change. A context that is never saved (a preview, a backtest) counts nothing.
    /// </summary>
    public void RuleTriggered(Guid ruleId, DateTime now) =>
        ruleTriggers[ruleId] = (ruleTriggers.GetValueOrDefault(ruleId).Count + 1, now);

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        foreach (var (id, (count, at)) in TakeRuleTriggers())
        {
            Rules.Where(r => r.Id == id).ExecuteUpdate(s => s.SetProperty(r => r.TriggerCount, r => r.TriggerCount + count).SetProperty(r => r.LastTriggered, at));
        }

        using var detected = DetectChangesOnce();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var (id, (count, at)) in TakeRuleTriggers())
        {
            await Rules.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.TriggerCount, r => r.TriggerCount + count)
                .SetProperty(r => r.LastTriggered, at), cancellationToken);
        }

        using var detected = DetectChangesOnce();
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    private List<KeyValuePair<Guid, (int Count, DateTime At)>> TakeRuleTriggers()
    {
        var taken = ruleTriggers.ToList();
        ruleTriggers.Clear();
        return taken;
    }

    /// <summary>
    /// Compares every tracked row with its snapshot once, stamps the row versions, and turns automatic detection off for
    /// the rest of the save: otherwise each interceptor's look at the change tracker and the save itself compare every
    /// tracked row again (five passes a save). An interceptor that changes a tracked entity detects that entry itself.
    /// </summary>
    private AutoDetectScope DetectChangesOnce()
    {
        ChangeTracker.DetectChanges();
        var scope = new AutoDetectScope(ChangeTracker);
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Modified && entry.Entity is WorkItem or Agent)
            {
                var version = entry.Property(VersionColumn);
                version.CurrentValue = (long)version.OriginalValue! + 1;
            }
        }

        return scope;
    }

    private readonly struct AutoDetectScope : IDisposable
    {
        private readonly Microsoft.EntityFrameworkCore.ChangeTracking.ChangeTracker tracker;
        private readonly bool was;

        public AutoDetectScope(Microsoft.EntityFrameworkCore.ChangeTracking.ChangeTracker tracker)
        {
            this.tracker = tracker;
            was = tracker.AutoDetectChangesEnabled;
            tracker.AutoDetectChangesEnabled = false;
        }

        public void Dispose() => tracker.AutoDetectChangesEnabled = was;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC; SQLite stores text, so the kind has to be restored on the way out.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        builder.Entity<WorkItem>(e =>
        {
            e.ToTable("tasks");
            e.Ignore(w => w.Events);
            e.Property(w => w.Title).HasMaxLength(200);
            e.Property(w => w.Kind).HasConversion<string>().HasMaxLength(30);
            e.Property(w => w.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(w => w.GithubIssueState).HasConversion<string>().HasMaxLength(20);
            e.Property(w => w.Priority); // stored as its rank, so ORDER BY priority is right
            e.Property(w => w.Environment).HasMaxLength(50);
            e.Property(w => w.Source).HasMaxLength(100);
            e.Property(w => w.Fingerprint).HasMaxLength(100);
            e.Property(w => w.Owner).HasMaxLength(150);
            e.Property(w => w.CreatedBy).HasMaxLength(150);
            e.Property(w => w.ModifiedBy).HasMaxLength(150);
            e.HasOne(w => w.AssignedAgent).WithMany().HasForeignKey(w => w.AssignedAgentId).OnDelete(DeleteBehavior.SetNull);
            e.HasMany(w => w.DependsOn).WithMany(w => w.DependentTasks).UsingEntity(
                "task_dependencies",
                r => r.HasOne(typeof(WorkItem)).WithMany().HasForeignKey("depends_on_id").OnDelete(DeleteBehavior.Cascade),
                l => l.HasOne(typeof(WorkItem)).WithMany().HasForeignKey("task_id").OnDelete(DeleteBehavior.Cascade));
            e.HasIndex(w => new { w.Status, w.Priority, w.CreatedOn });
            // The assignment queue: one seek per (status, kind), already in priority order, so LIMIT stops early.
            e.HasIndex(w => new { w.Status, w.Kind, w.Priority, w.CreatedOn }).IsDescending(false, false, true, false);
            e.HasIndex(w => new { w.Priority, w.CreatedOn });
            e.HasIndex(w => w.CreatedOn);
            // An agent's tasks. Only held tasks are in it: a query for unassigned tasks (AssignedAgentId IS NULL, the whole
            // backlog) must seek the queue index above, not walk every waiting task through this one.
            e.HasIndex(w => new { w.AssignedAgentId, w.Status }).HasFilter("\"AssignedAgentId\" IS NOT NULL");
            e.HasIndex(w => w.Fingerprint);
            // One open task per problem, held by the database whatever runs at the same time (two requests, two nodes).
            e.HasIndex(w => w.Fingerprint, "IX_tasks_open_fingerprint").IsUnique()
                .HasFilter("\"Fingerprint\" IS NOT NULL AND \"Status\" NOT IN ('Completed', 'Cancelled')");
            e.Property<long>(VersionColumn).IsConcurrencyToken();
            e.Property(w => w.CostUsd).HasPrecision(18, 6);
            e.Property(w => w.BudgetUsd).HasPrecision(18, 6);

            // One task per GitHub issue taken in (GitHub:IntakeLabel): the webhook and the poll may race, on two nodes.
            e.HasIndex(w => w.GithubIssueNumber, "IX_tasks_intake_issue").IsUnique()
                .HasFilter("\"GithubIssueNumber\" IS NOT NULL AND \"Source\" = 'github_issue'");

            // The pull requests that work on the task (the pull-request loop); loaded with the task wherever it is read.
            e.OwnsMany(w => w.PullRequests, p =>
            {
                p.ToTable("task_pull_requests");
                p.WithOwner().HasForeignKey("WorkItemId");
                p.HasKey("WorkItemId", nameof(PullRequestLink.Number));
                p.Property(x => x.Number).ValueGeneratedNever();
                p.Property(x => x.Url).HasMaxLength(500);
                p.Property(x => x.Title).HasMaxLength(300);
                p.Property(x => x.State).HasConversion<string>().HasMaxLength(10);
                p.Property(x => x.Checks).HasConversion<string>().HasMaxLength(10);
                p.Property(x => x.HeadSha).HasMaxLength(64);
                p.Property(x => x.HeadBranch).HasMaxLength(255);
                p.HasIndex(x => x.Number);
                p.HasIndex(x => x.HeadSha);
            });
        });

        builder.Entity<IssueOutboxEntry>(e =>
        {
            e.ToTable("github_outbox");
            e.Property(r => r.Kind).HasConversion<string>().HasMaxLength(10);
            e.Property(r => r.CoalesceKey).HasMaxLength(50);
            e.Property(r => r.Reason).HasMaxLength(20);
            e.Property(r => r.LastError).HasMaxLength(2000);
            e.HasOne<WorkItem>().WithMany().HasForeignKey(r => r.WorkItemId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(r => new { r.DeliveredAt, r.Id });
            e.HasIndex(r => new { r.WorkItemId, r.Id });
        });

        builder.Entity<Agent>(e =>
        {
            e.ToTable("agents");
            e.Ignore(a => a.Events);
            e.Property(a => a.Name).HasMaxLength(100);
            e.HasIndex(a => a.Name).IsUnique();
            e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
            e.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(a => a.Capabilities).HasConversion(JsonListConverter<WorkItemKind>(), ListComparer<WorkItemKind>());
            e.Property(a => a.Environments).HasConversion(JsonListConverter<string>(), ListComparer<string>());
            e.Property(a => a.RecentOutcomes).HasMaxLength(Agent.RecentWindow);
            e.Property(a => a.TokenHash).HasMaxLength(128);
            e.HasIndex(a => a.TokenHash);
            e.HasIndex(a => new { a.Status, a.IsActive });
            e.Property<long>(VersionColumn).IsConcurrencyToken();
        });

        builder.Entity<Assignment>(e =>
        {
            e.ToTable("assignments");
            e.Property(a => a.AssignedBy).HasMaxLength(150);
            e.HasOne(a => a.WorkItem).WithMany().HasForeignKey(a => a.WorkItemId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(a => a.Agent).WithMany().HasForeignKey(a => a.AgentId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(a => new { a.WorkItemId, a.IsActive });
            e.HasIndex(a => new { a.AgentId, a.IsActive });
            e.HasIndex(a => a.AssignedAt);
        });

        builder.Entity<WorkItemLogEntry>(e =>
        {
            e.ToTable("execution_logs");
            e.Property(l => l.Level).HasConversion<string>().HasMaxLength(10);
            e.Property(l => l.ActorKind).HasConversion<string>().HasMaxLength(10);
            e.Property(l => l.StepName).HasMaxLength(100);
            e.Property(l => l.Actor).HasMaxLength(150);
            e.HasOne(l => l.WorkItem).WithMany().HasForeignKey(l => l.WorkItemId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(l => l.Agent).WithMany().HasForeignKey(l => l.AgentId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(l => new { l.WorkItemId, l.CreatedOn });
            e.HasIndex(l => new { l.AgentId, l.CreatedOn });
            e.HasIndex(l => l.CreatedOn);
        });

        builder.Entity<OrchestrationRule>(e =>
        {
            e.ToTable("rules");
            e.Property(r => r.Name).HasMaxLength(100);
            e.HasIndex(r => r.Name).IsUnique();
            e.Property(r => r.Kind).HasConversion<string>().HasMaxLength(30);
            e.HasIndex(r => new { r.Kind, r.IsActive });
        });

        builder.Entity<NotificationDelivery>(e =>
        {
            e.ToTable("notification_deliveries");
            e.Property(n => n.RuleName).HasMaxLength(100);
            e.Property(n => n.Event).HasMaxLength(30);
            e.Property(n => n.EventKey).HasMaxLength(200);
            e.Property(n => n.Url).HasMaxLength(2000);
            e.HasIndex(n => new { n.RuleId, n.EventKey }).IsUnique();
            e.HasIndex(n => new { n.DeliveredAt, n.FailedAt, n.NextAttemptAt });
            e.HasIndex(n => n.CreatedAt);
        });

        builder.Entity<HealthSample>(e =>
        {
            e.ToTable("health_samples");
            e.Property(h => h.Component).HasMaxLength(50);
            e.Property(h => h.MetricName).HasMaxLength(100);
            e.Property(h => h.Status).HasConversion<string>().HasMaxLength(10);
            e.HasIndex(h => new { h.Component, h.MetricName, h.LastCheck });
            e.HasIndex(h => h.LastCheck);
        });

        builder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_entries");
            e.Property(a => a.Actor).HasMaxLength(150);
            e.Property(a => a.ActorKind).HasConversion<string>().HasMaxLength(10);
            e.Property(a => a.Action).HasMaxLength(30);
            e.Property(a => a.TargetType).HasMaxLength(30);
            e.Property(a => a.TargetId).HasMaxLength(64);
            e.Property(a => a.Ip).HasMaxLength(64);
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.TargetType, a.TargetId });
        });

        builder.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.Property(k => k.Name).HasMaxLength(100);
            e.Property(k => k.Role).HasConversion<string>().HasMaxLength(10);
            e.Property(k => k.KeyHash).HasMaxLength(128);
            e.Property(k => k.Prefix).HasMaxLength(16);
            e.HasIndex(k => k.KeyHash).IsUnique();
        });

        // Failure intake (Features/Deployments, Features/BugReports).
        builder.Entity<FailureRecord>(e =>
        {
            e.ToTable("failure_records");
            e.Property(f => f.Channel).HasMaxLength(50);
            e.Property(f => f.ReportedSource).HasMaxLength(500);
            e.Property(f => f.Environment).HasMaxLength(50);
            e.Property(f => f.DeploymentId).HasMaxLength(100);
            e.Property(f => f.Fingerprint).HasMaxLength(100);
            e.Property(f => f.Step).HasMaxLength(500);
            e.Property(f => f.Severity).HasMaxLength(20);
            e.Property(f => f.Outcome).HasConversion<string>().HasMaxLength(20);
            e.Property(f => f.Origin).HasMaxLength(500);
            e.HasOne<WorkItem>().WithMany().HasForeignKey(f => f.WorkItemId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(f => f.ReceivedAt);
            e.HasIndex(f => new { f.Outcome, f.ReceivedAt });
            e.HasIndex(f => f.Fingerprint);
        });

        builder.Entity<DeploymentLogCursor>(e =>
        {
            e.ToTable("deployment_log_cursors");
            e.HasKey(c => c.Path);
            e.Property(c => c.Path).HasMaxLength(1000);
            e.Property(c => c.HeadHash).HasMaxLength(64);
            e.Property(c => c.Format).HasConversion<string>().HasMaxLength(20);
        });

        builder.Entity<WorkLease>(e =>
        {
            e.ToTable("work_leases");
            e.HasKey(l => l.Name);
            e.Property(l => l.Name).HasMaxLength(200);
            e.Property(l => l.Holder).HasMaxLength(200);
        });

        builder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.HasKey(d => d.DeliveryId);
            e.Property(d => d.DeliveryId).HasMaxLength(100);
            e.Property(d => d.Event).HasMaxLength(100);
            e.HasIndex(d => d.ReceivedAt);
        });

        builder.Entity<BugReport>(e =>
        {
            e.ToTable("bug_reports");
            e.Property(b => b.Title).HasMaxLength(200);
            e.Property(b => b.Severity).HasConversion<string>().HasMaxLength(20);
            e.Property(b => b.ReporterName).HasMaxLength(150);
            e.Property(b => b.ReporterEmail).HasMaxLength(254);
            e.Property(b => b.Url).HasMaxLength(2000);
            e.Property(b => b.PageTitle).HasMaxLength(500);
            e.Property(b => b.UserAgent).HasMaxLength(1000);
            e.Property(b => b.Environment).HasMaxLength(50);
            e.Property(b => b.GithubIssueUrl).HasMaxLength(500);
            e.Property(b => b.CreatedBy).HasMaxLength(150);
            e.HasOne<WorkItem>().WithMany().HasForeignKey(b => b.WorkItemId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(b => b.CreatedOn);
        });

        builder.Entity<BugReportScreenshot>(e =>
        {
            e.ToTable("bug_report_screenshots");
            e.HasKey(s => s.BugReportId);
            e.Property(s => s.ContentType).HasMaxLength(50);
            e.HasOne<BugReport>().WithOne().HasForeignKey<BugReportScreenshot>(s => s.BugReportId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.ApplyConfiguration(new TaskListIndexes());
        builder.ApplyConfiguration(new UsageRecordConfiguration());
        builder.ApplyConfiguration(new TaskMessageConfiguration());
        builder.ApplyEncryptedColumns(this);
    }

    private static ValueConverter<List<T>, string> JsonListConverter<T>() => new(
        v => JsonSerializer.Serialize(v, JsonOptions),
        v => JsonSerializer.Deserialize<List<T>>(v, JsonOptions) ?? new List<T>());

    private static ValueComparer<List<T>> ListComparer<T>() => new(
        (a, b) => (a == null && b == null) || (a != null && b != null && a.SequenceEqual(b)),
        v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)),
        v => v.ToList());

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}
