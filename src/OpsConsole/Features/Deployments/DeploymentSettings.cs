using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// The <c>Deployments</c> settings (CONTRACT.md): where the deployment log is, which environment a failure belongs to when
/// it does not say, and the time zone of the log's naive timestamps.
/// </summary>
public sealed class DeploymentSettings
{
    public const string Section = "Deployments";
    public const string DefaultLogFile = "deployment_log.json";
    public const int MaxBatch = 1000;

    /// <summary>The log to watch, made absolute against the working directory.</summary>
    public required string LogPath { get; init; }

    /// <summary>The environment of a failure that names none (<c>Deployments:DefaultEnvironment</c>, default production).</summary>
    public string DefaultEnvironment { get; init; } = EnvironmentNames.Production;

    /// <summary>How naive timestamps in the log are read (<c>Deployments:TimeZone</c>, an IANA id; UTC by default).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>
    /// The very first read of a log (no cursor yet) turns only entries newer than this into tasks, so pointing the console at a
    /// long history does not flood the queue (<c>Deployments:InitialLookbackHours</c>, default 24, 0 for no limit; entries without a time count).
    /// </summary>
    public TimeSpan InitialLookback { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Watch the file for changes (<c>Deployments:Watch</c>, default true); without it only the recurring check reads it.</summary>
    public bool Watch { get; init; } = true;

    /// <summary>Reads the settings; a wrong value is a start-up error that names the setting.</summary>
    public static DeploymentSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var path = section["LogPath"];
        if (string.IsNullOrWhiteSpace(path))
        {
            path = configuration["DEPLOYMENT_LOG_PATH"];
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            path = DefaultLogFile;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path.Trim());
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {Section}:LogPath '{path}' is not a usable file path ({ex.Message})");
        }

        var environment = section["DefaultEnvironment"];
        if (!string.IsNullOrWhiteSpace(environment) && !EnvironmentNames.IsValid(environment.Trim()))
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {Section}:DefaultEnvironment '{environment}' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)");
        }

        var zone = TimeZoneInfo.Utc;
        if (section["TimeZone"] is { Length: > 0 } zoneId)
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId.Trim());
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new OpsConsoleSettingsException($"OpsConsole cannot start: {Section}:TimeZone '{zoneId}' is not a known time zone; use an IANA id such as Europe/Berlin or UTC");
            }
        }

        var lookback = 24;
        if (section["InitialLookbackHours"] is { Length: > 0 } hours && (!int.TryParse(hours, out lookback) || lookback is < 0 or > 100_000))
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {Section}:InitialLookbackHours is '{hours}'; allowed: 0 to 100000");
        }

        var watch = true;
        if (section["Watch"] is { Length: > 0 } watchText && !bool.TryParse(watchText, out watch))
        {
            throw new OpsConsoleSettingsException($"OpsConsole cannot start: {Section}:Watch is '{watchText}'; allowed: true, false");
        }

        return new DeploymentSettings
        {
            LogPath = full,
            DefaultEnvironment = EnvironmentNames.Normalize(environment),
            TimeZone = zone,
            InitialLookback = TimeSpan.FromHours(lookback),
            Watch = watch,
        };
    }
}
