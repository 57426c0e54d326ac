namespace OpsConsole.Cli.Output;

/// <summary>ANSI colours for statuses and priorities; plain text when colour is off (not a terminal, NO_COLOR).</summary>
public sealed class Style(bool color)
{
    private const string Reset = "\u001b[0m";

    public bool Enabled { get; } = color;

    public string Paint(string text, string? code) => Enabled && code is not null && text.Length > 0 ? $"\u001b[{code}m{text}{Reset}" : text;

    public string Bold(string text) => Paint(text, "1");

    public string Dim(string text) => Paint(text, "2");

    public string Good(string text) => Paint(text, "32");

    public string Bad(string text) => Paint(text, "31");

    /// <summary>The colour a status or priority word is shown in (the original admin's badge colours, for a terminal).</summary>
    public static string? CodeFor(string? word) => word switch
    {
        "available" or "completed" or "healthy" or "low" => "32",
        "busy" or "pending" or "warning" or "medium" or "review" => "33",
        "assigned" or "maintenance" => "34",
        "in_progress" => "35",
        "offline" or "error" or "failed" or "blocked" or "critical" or "high" => "31",
        "escalated" => "1;31",
        "emergency" => "1;35",
        "cancelled" or "unknown" => "90",
        _ => null,
    };

    public string Word(string? word) => Paint(word ?? "", CodeFor(word));
}
