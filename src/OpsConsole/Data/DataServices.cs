using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SQLitePCL;

namespace OpsConsole.Data;

public static class DataServices
{
    /// <summary>
    /// The app's database: SQLite in the data directory (WAL, busy timeout) or PostgreSQL by configuration. Other folders plug
    /// into its saves from their own <c>Add…</c> (<see cref="SaveInterceptors.AddSaveInterceptor{T}"/>) and receive its
    /// committed events through <see cref="IDomainEventSink"/>.
    /// </summary>
    public static IServiceCollection AddOpsData(this IServiceCollection services, DataSettings settings)
    {
        services.AddSingleton(settings);
        // Sign-in cookies, antiforgery tokens and the encrypted columns (EncryptedColumns) share these keys: back them up
        // with the database. They rotate every 90 days by themselves; older keys keep decrypting.
        var protection = services.AddDataProtection().SetApplicationName("OpsConsole");
        if (settings.UsesPostgres)
        {
            // Every node reads and writes the one key ring in the shared database; a single node's data/keys is imported
            // into it on the first start on PostgreSQL (KeyRingImport).
            protection.PersistKeysToDbContext<OpsDbContext>();
        }
        else
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(settings.KeysDirectory));
        }

        if (settings.CertificatePath is { Length: > 0 } certificatePath)
        {
            // The key ring is encrypted with the certificate at rest; without one, the keys are protected only by the
            // folder's permissions (0700, the console's own account).
            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                certificatePath, settings.CertificatePassword);
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        // The events go last, once every other part of the save (the outbox, the audit trail) has done its work.
        services.AddSaveInterceptor<DomainEventInterceptor>(SaveStage.Publish);
        services.AddSingleton<DatabaseAvailability>();
        services.AddSingleton<DatabaseGate>();
        // Hosting names the holder after the node (OpsConsole:NodeName); a host that does not gets the machine's name.
        services.TryAddSingleton(_ => LeaseHolder.ForNode(Environment.MachineName));
        services.AddSingleton<Leases>();
        services.AddHostedService<LeaseKeeper>();
        services.AddSingleton(new SqlitePragmas(settings.CommandTimeoutSeconds));
        services.AddSingleton<SqliteStatementCache>();
        services.AddSingleton<Seeder>();
        if (settings.UsesPostgres)
        {
            services.AddPooledDbContextFactory<PostgresOpsDbContext>((sp, options) =>
            {
                options.UseNpgsql(settings.PostgresConnectionString, npgsql => npgsql.CommandTimeout(settings.CommandTimeoutSeconds)).UseEncryptedColumns();
                options.AddInterceptors(SaveInterceptors.Resolve(sp));
                options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
            });
            services.AddSingleton<IDbContextFactory<OpsDbContext>, PostgresContextFactory>();
            services.AddScoped<OpsDbContext>(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
            services.AddSingleton<UnitOfWork>();
            return services;
        }

        services.AddPooledDbContextFactory<OpsDbContext>((sp, options) =>
        {
            options.UseSqlite(settings.SqliteConnectionString, sqlite => sqlite.CommandTimeout(settings.CommandTimeoutSeconds)).UseEncryptedColumns();
            options.AddInterceptors(sp.GetRequiredService<SqlitePragmas>(), sp.GetRequiredService<SqliteStatementCache>());
            options.AddInterceptors(SaveInterceptors.Resolve(sp));
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        // Readers work on open connections lent for a context's use (their statements stay prepared), not on one EF opens
        // and closes for every query.
        services.RemoveAll<IDbContextFactory<OpsDbContext>>();
#pragma warning disable EF1001 // the pool AddPooledDbContextFactory registered, under the factory that lends connections
        services.AddSingleton(sp => new Microsoft.EntityFrameworkCore.Infrastructure.PooledDbContextFactory<OpsDbContext>(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.Internal.IDbContextPool<OpsDbContext>>()));
#pragma warning restore EF1001
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SqliteReadConnections>(sp, settings.SqliteConnectionString));
        services.AddSingleton<IDbContextFactory<OpsDbContext>, SqliteContextFactory>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SqliteWriteQueue>(sp, settings.SqliteConnectionString));
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, settings.SqliteConnectionString));
        services.AddSingleton<UnitOfWork>();
        return services;
    }
}

/// <summary>
/// Every SQLite connection runs in WAL mode (readers never wait for a writer) and waits for the write lock up to the
/// configured budget (OpsConsole:Database:CommandTimeoutSeconds), then fails, which the unit of work answers with a 503.
/// The settings belong to the database handle, which the connection pool keeps between opens: they are applied once per
/// handle, not at every open (EF opens a pooled connection for every query, and four statements each time cost more than
/// many of the queries).
/// </summary>
public sealed class SqlitePragmas(int busyTimeoutSeconds) : DbConnectionInterceptor
{
    private readonly string pragmas = $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busyTimeoutSeconds * 1000}; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> configured = [];

    public override void ConnectionOpened(System.Data.Common.DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public void Apply(System.Data.Common.DbConnection connection)
    {
        if (IsConfigured(connection))
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        command.ExecuteNonQuery();
        Configured(connection);
    }

    public override Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        IsConfigured(connection) ? Task.CompletedTask : ApplyAsync(connection, cancellationToken);

    public async Task ApplyAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
        Configured(connection);
    }

    private bool IsConfigured(System.Data.Common.DbConnection connection) =>
        connection is Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle } && configured.TryGetValue(handle, out _);

    private void Configured(System.Data.Common.DbConnection connection)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle })
        {
            // The query planner stability guarantee: a statement keeps the plan it was prepared with whatever values are
            // bound to it. Without it SQLite (3.47 on) prepares a statement again on every run when a bound value could
            // change its plan (a LIMIT @p, which EF writes for every Take and every page of a list), and preparing the
            // assignment pass's waiting-task query each time cost the writer a third of a millisecond per run.
            raw.sqlite3_db_config(handle, raw.SQLITE_DBCONFIG_ENABLE_QPSG, 1, out _);
            configured.AddOrUpdate(handle, handle);
        }
    }
}
