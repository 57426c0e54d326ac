using OpsConsole.Data;
using OpsConsole.Security;

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

    /// <summary>
    /// This node's name in its metrics (the <c>node</c> label of every series at /metrics); none: the machine's name and the
    /// port it listens on, e.g. <c>ops-1:5080</c>, so two nodes are told apart.
    /// </summary>
    public string? NodeName { get; set; }

    /// <summary>Origins allowed to frame the wall screen (space separated, e.g. https://tv.example.com); none by default.</summary>
    public string? WallFrameAncestors { get; set; }

    /// <summary>
    /// The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks such as 10.0.0.0/8,
    /// separated by spaces or commas); none by default, so no client can choose the address that rate limits and audit see.
    /// </summary>
    public string? KnownProxies { get; set; }

    public DataProtectionOptions DataProtection { get; set; } = new();

    public sealed class DataProtectionOptions
    {
        /// <summary>A PKCS#12 (.pfx) certificate that encrypts the Data Protection key ring at rest; none: keys are stored plain.</summary>
        public string? CertificatePath { get; set; }

        public string? CertificatePassword { get; set; }
    }

    private string? CertificateProblem()
    {
        var path = DataProtection.CertificatePath!;
        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, DataProtection.CertificatePassword);
            return certificate.HasPrivateKey ? null : $"{Section}:DataProtection:CertificatePath '{path}' has no private key; give a PKCS#12 (.pfx) file with its key";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return $"{Section}:DataProtection:CertificatePath '{path}' cannot be read ({ex.Message.TrimEnd('.')}); give a PKCS#12 (.pfx) file and its CertificatePassword";
        }
    }

    /// <summary>The proxies of <see cref="KnownProxies"/>, parsed.</summary>
    public IReadOnlyList<System.Net.IPNetwork> ProxyNetworks() =>
        [.. ProxyEntries().Select(e => ParseProxy(e)!.Value)];

    private IEnumerable<string> ProxyEntries() => (KnownProxies ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);

    private static System.Net.IPNetwork? ParseProxy(string entry) =>
        System.Net.IPNetwork.TryParse(entry, out var network) ? network
        : System.Net.IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
        : null;

    public sealed class AdminOptions
    {
        public string UserName { get; set; } = "admin";
        public string? Password { get; set; }
    }

    public sealed class ApiOptions
    {
        public string? BootstrapKey { get; set; }

        /// <summary>Writes (POST, PUT, PATCH, DELETE) one API key or agent token may make per minute before it is answered 429.</summary>
        public int WritesPerMinute { get; set; } = 1200;
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

    /// <summary>What the data layer is told of these settings and the connection strings.</summary>
    public DataSettings ForData(IConfiguration configuration) => new(DataDirectory, Database.CommandTimeoutSeconds)
    {
        PostgresConnectionString = UsesPostgres ? configuration.GetConnectionString("OpsConsole") ?? "" : null,
        CertificatePath = DataProtection.CertificatePath,
        CertificatePassword = DataProtection.CertificatePassword,
    };

    /// <summary>The accounts a first start creates (<see cref="AccountSeeder"/>).</summary>
    public AccountSettings ForAccounts() => new(Admin.UserName, Admin.Password, Api.BootstrapKey);

    /// <summary>What the security headers and rate limits are told of these settings (<see cref="Protection"/>).</summary>
    public ProtectionSettings ForProtection() => new(Api.WritesPerMinute, WallFrameAncestors);

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

        if (Api.WritesPerMinute is < 1 or > 1_000_000)
        {
            yield return $"{Section}:Api:WritesPerMinute is {Api.WritesPerMinute}; allowed: 1 to 1,000,000 writes a minute per key or token";
        }

        foreach (var entry in ProxyEntries().Where(e => ParseProxy(e) is null))
        {
            yield return $"{Section}:KnownProxies has '{entry}'; give IP addresses or networks (10.0.0.5, 10.0.0.0/8), separated by spaces or commas";
        }

        if (DataProtection.CertificatePath is { Length: > 0 } && CertificateProblem() is { } problem)
        {
            yield return problem;
        }
    }
}
