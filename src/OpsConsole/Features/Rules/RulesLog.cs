namespace OpsConsole.Features.Rules;

/// <summary>What rule administration logs. Event ids 6500–6599 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class RulesLog
{
    [LoggerMessage(EventId = 6500, Level = LogLevel.Information, Message = "Rule {Rule} {Change} by {Actor}")]
    public static partial void Saved(ILogger logger, string rule, string change, string? actor);

    [LoggerMessage(EventId = 6501, Level = LogLevel.Information, Message = "Rule {Rule} deleted by {Actor}")]
    public static partial void Deleted(ILogger logger, string rule, string? actor);
}
