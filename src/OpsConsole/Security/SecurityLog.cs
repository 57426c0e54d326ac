using OpsConsole.Domain;

namespace OpsConsole.Security;

/// <summary>What sign-in, accounts, API keys and credentials log. Event ids 3000–3099 (the ranges of every area are listed on <c>Hosting.HostingLog</c>).</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "{User} signed in")]
    public static partial void SignedIn(ILogger logger, string user);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Failed sign-in for {User}{Why}")]
    public static partial void SignInFailed(ILogger logger, string user, string why);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "User {User}: {Action} by {Actor}")]
    public static partial void UserChanged(ILogger logger, string? user, string action, string actor);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "API key {Key} ({Role}) created by {Actor}")]
    public static partial void ApiKeyCreated(ILogger logger, string key, ApiRole role, string? actor);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "API key {Key} revoked by {Actor}")]
    public static partial void ApiKeyRevoked(ILogger logger, string key, string? actor);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Closing what was open with a revoked {Kind} credential failed")]
    public static partial void RevocationHandlerFailed(ILogger logger, Exception exception, CredentialKind kind);
}
