namespace OpsConsole.Hosting;

/// <summary>The <c>OpsConsole</c> settings section (CONTRACT.md).</summary>
public sealed class OpsConsoleOptions
{
    public const string Section = "OpsConsole";

    public string DataDirectory { get; set; } = "data";
    public string LogDirectory { get; set; } = "logs";
    public string DatabaseProvider { get; set; } = "sqlite";
    public AdminOptions Admin { get; set; } = new();
    public ApiOptions Api { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public bool Demo { get; set; }

    /// <summary>The console's address as people reach it; links back from GitHub issues use it.</summary>
    public string PublicUrl { get; set; } = "http://localhost:5080";

    /// <summary>Origins allowed to frame the wall screen (space separated, e.g. https://tv.example.com); none by default.</summary>
    public string? WallFrameAncestors { get; set; }

    public sealed class AdminOptions
    {
        public string UserName { get; set; } = "admin";
        public string? Password { get; set; }
    }

    public sealed class ApiOptions
    {
        public string? BootstrapKey { get; set; }
    }

    public sealed class DatabaseOptions
    {
        /// <summary>
        /// How long a request waits for the database (SQLite's write lock held by another process, a busy PostgreSQL) before it
        /// is answered 503 with Retry-After, nothing applied.
        /// </summary>
        public int CommandTimeoutSeconds { get; set; } = 5;
    }

    public bool UsesPostgres => string.Equals(DatabaseProvider, "postgres", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (!string.Equals(DatabaseProvider, "sqlite", StringComparison.OrdinalIgnoreCase) && !UsesPostgres)
        {
            yield return $"{Section}:DatabaseProvider is '{DatabaseProvider}'; allowed: sqlite, postgres";
        }

        if (UsesPostgres)
        {
            foreach (var name in new[] { "OpsConsole", "Hangfire" })
            {
                if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(name)))
                {
                    yield return $"ConnectionStrings:{name} is required when {Section}:DatabaseProvider is postgres";
                }
            }
        }

        if (Database.CommandTimeoutSeconds is < 1 or > 300)
        {
            yield return $"{Section}:Database:CommandTimeoutSeconds is {Database.CommandTimeoutSeconds}; allowed: 1 to 300 seconds";
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return $"{Section}:DataDirectory is empty; give a folder path (default: data)";
        }

        if (string.IsNullOrWhiteSpace(Admin.UserName) || Admin.UserName.Length > 100)
        {
            yield return $"{Section}:Admin:UserName must be 1 to 100 characters";
        }

        if (Admin.Password is { Length: > 0 and < 8 })
        {
            yield return $"{Section}:Admin:Password must be at least 8 characters";
        }

        if (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var publicUrl) || publicUrl.Scheme is not ("http" or "https"))
        {
            yield return $"{Section}:PublicUrl is '{PublicUrl}'; give the console's absolute http(s) address, e.g. https://ops.example.com";
        }

        foreach (var origin in (WallFrameAncestors ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(o => o != "'self'" && !(Uri.TryCreate(o, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.AbsolutePath == "/")))
        {
            yield return $"{Section}:WallFrameAncestors has '{origin}'; give origins such as https://tv.example.com (or 'self'), separated by spaces";
        }

        if (Api.BootstrapKey is { Length: > 0 and < 24 })
        {
            yield return $"{Section}:Api:BootstrapKey must be at least 24 characters";
        }
    }
}

/// <summary>Raised at start when a setting is wrong; Program prints the one-line message and exits non-zero.</summary>
public sealed class OpsConsoleSettingsException(string message) : Exception(message);
