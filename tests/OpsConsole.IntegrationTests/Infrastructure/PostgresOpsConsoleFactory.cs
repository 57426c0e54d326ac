namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// The real app on PostgreSQL (app and Hangfire each in a database of their own on <see cref="PostgresServer"/>). Two
/// factories given the same databases are two nodes of one installation.
/// </summary>
public class PostgresOpsConsoleFactory : OpsConsoleFactory
{
    public PostgresOpsConsoleFactory()
        : this(PostgresServer.NewDatabase("opsconsole"), PostgresServer.NewDatabase("hangfire"))
    {
    }

    /// <summary>A node of an installation whose databases (and key ring, in <paramref name="dataDirectory"/>) others share.</summary>
    internal PostgresOpsConsoleFactory(string appDatabase, string hangfireDatabase, string? dataDirectory = null)
        : base(dataDirectory)
    {
        AppDatabase = appDatabase;
        HangfireDatabase = hangfireDatabase;
    }

    public string AppDatabase { get; }

    public string HangfireDatabase { get; }

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("OpsConsole:DatabaseProvider", "postgres"),
        new("ConnectionStrings:OpsConsole", AppDatabase),
        new("ConnectionStrings:Hangfire", HangfireDatabase),
    ];
}
