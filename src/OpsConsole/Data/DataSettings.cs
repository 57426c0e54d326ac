using Microsoft.Data.Sqlite;

namespace OpsConsole.Data;

/// <summary>
/// What the data layer is told by the settings (OpsConsole:DataDirectory, DatabaseProvider, Database:CommandTimeoutSeconds,
/// DataProtection and ConnectionStrings:OpsConsole); Hosting reads and validates them and hands them over in this form.
/// </summary>
public sealed record DataSettings(string DataDirectory, int CommandTimeoutSeconds = 5)
{
    /// <summary>The PostgreSQL connection string when the nodes share PostgreSQL; null: SQLite in <see cref="DataDirectory"/>.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>A PKCS#12 (.pfx) certificate that encrypts the Data Protection key ring at rest; none: keys are stored plain.</summary>
    public string? CertificatePath { get; init; }

    public string? CertificatePassword { get; init; }

    public bool UsesPostgres => PostgresConnectionString is not null;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    /// <summary>A single node's Data Protection key ring (SQLite); on PostgreSQL the ring is in the database.</summary>
    public string KeysDirectory => Path.Combine(FullDataDirectory, "keys");

    public string SqliteConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(FullDataDirectory, "opsconsole.db"),
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = CommandTimeoutSeconds,
    }.ToString();
}
