using System.Data.Common;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpsConsole.Data.Configurations;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// The application's database. It also holds the Data Protection key ring when nodes share a PostgreSQL database
/// (<see cref="DataProtectionKeys"/>), so every node decrypts what any node encrypted and accepts every node's cookies.
/// </summary>
public class OpsDbContext : IdentityDbContext<IdentityUser>, IDataProtectionKeyContext
{
    public OpsDbContext(DbContextOptions<OpsDbContext> options)
        : this((DbContextOptions)options)
    {
    }

    /// <summary>For provider-specific subclasses that own their own migrations (PostgreSQL).</summary>
    protected OpsDbContext(DbContextOptions options)
        : base(options)
    {
        var interceptors = options.FindExtension<CoreOptionsExtension>()?.Interceptors ?? [];
        saveParts = [.. interceptors.OfType<SaveInterceptor>()];
        statements = interceptors.OfType<SqliteStatementCache>().FirstOrDefault();
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
    private readonly SaveInterceptor[] saveParts;
    private readonly SqliteStatementCache? statements;
    private readonly List<object> appended = [];
    private readonly Dictionary<SaveInterceptor, object> partStates = [];
    private bool trackAppended;
    private SqliteReadConnections? lender;

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

        // A synchronous save (nothing of this app's makes one) tracks the appended rows, and those appended while it runs
        // (the audit), so the save orders them after the rows they point at.
        using var detected = DetectChangesOnce();
        AddRange(appended);
        appended.Clear();
        trackAppended = true;
        try
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            trackAppended = false;
        }
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var (id, (count, at)) in TakeRuleTriggers())
        {
            await Rules.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.TriggerCount, r => r.TriggerCount + count)
                .SetProperty(r => r.LastTriggered, at), cancellationToken);
        }

        int saved;
        using (DetectChangesOnce())
        {
            // Only the SQLite writer's writes: each runs in a savepoint of its own (so EF's automatic one is off), which a
            // save written past EF needs, having none of its own.
            saved = statements is not null && Database.CurrentTransaction is not null && !Database.AutoSavepointsEnabled && RowUpdater.CanWrite(this)
                ? await SaveUpdatesAsync(acceptAllChangesOnSuccess, cancellationToken)
                : await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        // The audit entries of this save were appended while it ran; all of them go in after the rows they point at.
        if (appended.Count == 0)
        {
            return saved;
        }

        var rows = appended.ToList();
        appended.Clear();
        foreach (var kind in rows.GroupBy(r => r.GetType()))
        {
            await RowInserter.InsertAsync(this, kind.Key, kind, cancellationToken);
        }

        return saved + rows.Count;
    }

    /// <summary>
    /// A save of changed rows only, in the SQLite writer's write: the save parts run as they do around EF's save, the rows
    /// are written by <see cref="RowUpdater"/>. A part that adds a row (the issue outbox) hands the save back to EF's own
    /// writer, without running the parts again.
    /// </summary>
    private async Task<int> SaveUpdatesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var part in saveParts)
            {
                part.OnSaving(this);
            }

            int saved;
            if (RowUpdater.CanWrite(this))
            {
                saved = await RowUpdater.UpdateAsync(this, cancellationToken);
                if (acceptAllChangesOnSuccess)
                {
                    ChangeTracker.AcceptAllChanges();
                }
            }
            else
            {
#pragma warning disable EF1001 // EF's save without its interceptors: they ran above, once
                saved = await this.GetService<Microsoft.EntityFrameworkCore.ChangeTracking.Internal.IStateManager>()
                    .SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
#pragma warning restore EF1001
            }

            foreach (var part in saveParts)
            {
                part.OnSaved(this);
            }

            return saved;
        }
        catch
        {
            foreach (var part in saveParts)
            {
                part.OnFailed(this);
            }

            throw;
        }
    }

    /// <summary>A statement run past EF (<see cref="RowInserter"/>, <see cref="RowUpdater"/>) failed: as for EF's own, it is not kept prepared.</summary>
    internal void StatementFailed(DbCommand command) => statements?.Failed(command);

    /// <summary>
    /// A command of this context's connection in <paramref name="transaction"/>: the connection's prepared one for
    /// <paramref name="sql"/> where its statements are kept prepared (<see cref="SqliteStatementCache"/>), a new one otherwise.
    /// </summary>
    internal DbCommand PreparedCommand(string sql, DbTransaction transaction, Func<DbCommand, DbParameter[]> parameters)
    {
        if (statements?.Rent((Microsoft.Data.Sqlite.SqliteConnection)Database.GetDbConnection(), sql, transaction, Database.GetCommandTimeout(), parameters) is { } kept)
        {
            return kept;
        }

        var command = Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        if (Database.GetCommandTimeout() is { } seconds)
        {
            command.CommandTimeout = seconds; // the same limit as EF's own commands (a database that stopped answering)
        }

        command.Parameters.AddRange(parameters(command));
        return statements?.Prepared(command) ?? command;
    }

    /// <summary>
    /// Adds an append-only row (a task's log line, an audit entry: written once, never changed, watched by nothing) to this
    /// context's next save. Inside a unit of work's transaction it is written after the save's tracked rows (which it may
    /// point at) by a prepared INSERT (<see cref="RowInserter"/>), not through the change tracker: every report writes a few,
    /// and tracking them cost more than the changes they describe. Outside a transaction it is tracked like any row.
    /// </summary>
    public void Append(object row)
    {
        if (trackAppended || Database.CurrentTransaction is null)
        {
            Add(row);
        }
        else
        {
            appended.Add(row);
        }
    }

    /// <summary>
    /// Contexts come from a pool (the app registers a pooled factory): what this use of one left behind, its uncounted rule
    /// evaluations and what the save parts hold for it, must not reach the next use.
    /// </summary>
    public override void Dispose()
    {
        Forget();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        Forget();
        return base.DisposeAsync();
    }

    /// <summary>
    /// What <paramref name="part"/> keeps for this context between the moments of its saves, made on the first ask and kept
    /// with the context through the pool's uses of it (the part empties it in <see cref="SaveInterceptor.Forget"/>). A field
    /// of the context, not a table of contexts in the part: a context has one user at a time, so no lock and no weak handle.
    /// </summary>
    internal T PartState<T>(SaveInterceptor part)
        where T : class, new()
    {
        if (!partStates.TryGetValue(part, out var state))
        {
            partStates[part] = state = new T();
        }

        return (T)state;
    }

    /// <summary>What <paramref name="part"/> keeps for this context, if it ever asked (<see cref="PartState{T}"/>).</summary>
    internal T? FindPartState<T>(SaveInterceptor part)
        where T : class => partStates.GetValueOrDefault(part) as T;

    /// <summary>Works on a connection <paramref name="connections"/> lends until the context is disposed (or gives it back sooner).</summary>
    internal void Borrow(SqliteReadConnections connections)
    {
        Database.SetDbConnection(connections.Rent());
        lender = connections;
    }

    /// <summary>Gives a lent connection back, when the context is disposed.</summary>
    private void GiveBackConnection()
    {
        if (lender is null)
        {
            return;
        }

        Database.CurrentTransaction?.Dispose(); // rolled back: a use that left one open gives nothing of it to the next
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)Database.GetDbConnection();
        var from = lender;
        lender = null;
        Database.SetDbConnection(null);
        from.Return(connection);
    }

    private void Forget()
    {
        GiveBackConnection();
        ruleTriggers.Clear();
        appended.Clear();
        foreach (var part in saveParts)
        {
            part.Forget(this);
        }
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
        // One IEntityTypeConfiguration per entity (Data/Configurations), then the encrypted columns over them.
        builder.ApplyConfigurationsFromAssembly(typeof(OpsDbContext).Assembly, t => t.Namespace == typeof(WorkItemConfiguration).Namespace);
        builder.ApplyEncryptedColumns(this);
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? v : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}
