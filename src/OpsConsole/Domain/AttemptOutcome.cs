namespace OpsConsole.Domain;

/// <summary>How one run of a task (an assignment to an agent) ended, as the wire says it.</summary>
public static class AttemptOutcome
{
    public static readonly string[] All = ["running", "completed", "failed", "released", "stalled", "timed_out", "revoked", "lost"];

    /// <summary>The agent went silent (no heartbeat) and the task went to another agent.</summary>
    public const string LostReason = "agent unavailable";

    public static string Of(Assignment attempt) => attempt.IsActive
        ? "running"
        : attempt.EndReason switch
        {
            "completed" => "completed",
            "failed" => "failed",
            "released" => "released",
            "stalled" => "stalled",
            "timed_out" => "timed_out",
            LostReason => "lost",
            _ => "revoked", // reassigned by a person, cancelled, budget exceeded
        };
}
