using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpsConsole.Data;

/// <summary>
/// The same model on PostgreSQL. A subclass only so that PostgreSQL has its own migrations
/// (Data/Migrations/Postgres) beside SQLite's; everything else uses <see cref="OpsDbContext"/>.
/// </summary>
public sealed class PostgresOpsDbContext(DbContextOptions<PostgresOpsDbContext> options) : OpsDbContext(options);

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresOpsDbContext</c> build the model without a server.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresOpsDbContext>
{
    public PostgresOpsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresOpsDbContext>().UseNpgsql("Host=localhost;Database=opsconsole_design").Options);
}

/// <summary>Hands out PostgreSQL contexts wherever an <see cref="OpsDbContext"/> factory is asked for.</summary>
public sealed class PostgresContextFactory(IDbContextFactory<PostgresOpsDbContext> inner) : IDbContextFactory<OpsDbContext>
{
    public OpsDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<OpsDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
