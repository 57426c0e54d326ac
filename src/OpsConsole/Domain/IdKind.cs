namespace OpsConsole.Domain;

/// <summary>
/// A kind of id a client names (in a route or a hub call), and what it is told when the text is no UUID: one wording
/// for REST and the hub. <see cref="Example"/> kinds show a sample UUID; the others say "(UUID)".
/// </summary>
public sealed record IdKind(string Article, string Noun, bool Example = false, bool Clipped = true)
{
    public const string SampleId = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    public static readonly IdKind Task = new("a", "task", Example: true);
    public static readonly IdKind Agent = new("an", "agent", Example: true);
    public static readonly IdKind Rule = new("a", "rule");
    public static readonly IdKind Assignment = new("an", "assignment");
    public static readonly IdKind ExecutionLog = new("an", "execution-log");
    public static readonly IdKind HealthSample = new("a", "health sample", Clipped: false);
    public static readonly IdKind ApiKey = new("an", "API key");

    /// <summary>"'abc' is not a task id; task ids are UUIDs such as …" (the text as sent, cut at 60 characters).</summary>
    public string NotAnId(string? text)
    {
        var shown = Clipped ? (text ?? "").Clip(60) : text ?? "";
        return Example
            ? $"'{shown}' is not {Article} {Noun} id; {Noun} ids are UUIDs such as {SampleId}"
            : $"'{shown}' is not {Article} {Noun} id (UUID)";
    }
}
