namespace OpsConsole.Hosting;

/// <summary>
/// What the host logs at start-up. Every log line of the application is a <c>[LoggerMessage]</c> method of one
/// <c>…Log</c> class per area, and its event id is unique across the application (a unit test checks both). The ranges:
/// <list type="bullet">
/// <item>1000–1099 Hosting (<see cref="HostingLog"/>), 1100–1199 Jobs (<c>Jobs.JobsLog</c>);</item>
/// <item>2000–2099 Data (<c>Data.DataLog</c>);</item>
/// <item>3000–3099 Security (<c>Security.SecurityLog</c>);</item>
/// <item>4000–4099 Realtime (<c>Realtime.RealtimeLog</c>);</item>
/// <item>5000–5099 Integrations/GitHub (<c>GitHubLog</c>), 5100–5199 Integrations/Notifications (<c>NotificationsLog</c>);</item>
/// <item>6000–6099 Features/Agents and its demo (<c>AgentsLog</c>), 6100–6199 Features/Orchestration (<c>OrchestrationLog</c>),
/// 6200–6299 Features/Deployments (<c>DeploymentsLog</c>), 6300–6399 Features/GitHub (<c>GitHubIntakeLog</c>),
/// 6400–6499 Features/Health (<c>HealthLog</c>), 6500–6599 Features/Rules (<c>RulesLog</c>).</item>
/// </list>
/// A placeholder that is a C# keyword (<c>{Base}</c>, <c>{Event}</c>) takes a capitalised parameter (<c>Base</c>), not an
/// escaped one: the generator would name the structured property <c>@base</c>.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Copied {Count} Data Protection key(s) from {Folder} into the shared key ring")]
    public static partial void KeysImported(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Running in DRY-RUN mode - no changes will be made by the engine")]
    public static partial void DryRun(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Starting AI Orchestration Engine: interval {Interval}s, deployment check {Deploy}s, health check {Health}s, heartbeat timeout {Heartbeat}s, stall timeout {Stall}s, retry backoff {Base}s..{Max}s, verbose {Verbose}, dry-run {DryRun}")]
    public static partial void EngineStarting(
        ILogger logger, int interval, int deploy, int health, int heartbeat, int stall, int Base, int max, bool verbose, bool dryRun);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Data in {Directory} ({Provider})")]
    public static partial void DataLocation(ILogger logger, string directory, string provider);
}
