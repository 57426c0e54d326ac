namespace OpsConsole.Domain;

/// <summary>
/// Raised at start when a setting is wrong (whichever folder reads it: the host's own section, the deployment log's);
/// Program prints the one-line message and exits non-zero.
/// </summary>
public sealed class OpsConsoleSettingsException(string message) : Exception(message);
