namespace OpsConsole.Domain;

/// <summary>What became of one incoming failure.</summary>
public enum IntakeOutcome
{
    /// <summary>A new task was created.</summary>
    Created,

    /// <summary>The failure's task was still open: one more occurrence on it.</summary>
    Deduplicated,

    /// <summary>The failure's task had been completed: a new task, linked to it as its regression.</summary>
    Regression,

    /// <summary>A maintenance window covered it: recorded, no task.</summary>
    Suppressed,
}

/// <summary>
/// Every failure that came in, with what became of it: the handled-failures record of reference §6, kept in the database
/// (the original wrote a JSON file that nothing could read back), and the count behind suppressed and repeated failures.
/// </summary>
public sealed class FailureRecord
{
    public Guid Id { get; init; } = NewId.Next();
    public DateTime ReceivedAt { get; init; }
    public DateTime? OccurredAt { get; init; }
    public string Channel { get; init; } = "";
    public string? ReportedSource { get; init; }
    public string Environment { get; init; } = EnvironmentNames.Production;
    public string? DeploymentId { get; init; }
    public string Fingerprint { get; init; } = "";
    public string Step { get; init; } = "Unknown";
    public string ErrorMessage { get; init; } = "";
    public string Severity { get; init; } = "medium";
    public IntakeOutcome Outcome { get; init; }
    public Guid? WorkItemId { get; init; }
    public Guid? MaintenanceRuleId { get; init; }
    public string? Origin { get; init; }
}

/// <summary>
/// How far the deployment log has been read: the byte offset after the last complete line, the line number, and the
/// file's identity (a hash of its first bytes), so a restart resumes exactly there and a rotated or truncated file is noticed.
/// </summary>
public sealed class DeploymentLogCursor
{
    public const int HeadBytes = 1024;

    public string Path { get; init; } = "";
    public string HeadHash { get; private set; } = "";
    public int HeadLength { get; private set; }
    public long Offset { get; private set; }
    public long LineNumber { get; private set; }

    /// <summary>For a JSON document log: how many entries of its list have been handled.</summary>
    public int EntriesRead { get; private set; }
    public DeploymentLogFormat Format { get; private set; }
    public long MalformedLines { get; private set; }
    public long FailuresSeen { get; private set; }
    public int Rotations { get; private set; }
    public int Truncations { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    public void Identify(string headHash, int headLength, DeploymentLogFormat format)
    {
        HeadHash = headHash;
        HeadLength = headLength;
        Format = format;
    }

    public void Advance(long offset, long lineNumber, int malformed, int failures, DateTime now)
    {
        LineNumber = lineNumber;
        Read(offset, malformed, failures, now);
    }

    public void AdvanceDocument(int entriesRead, long length, int malformed, int failures, DateTime now)
    {
        EntriesRead = entriesRead;
        Read(length, malformed, failures, now);
    }

    private void Read(long offset, int malformed, int failures, DateTime now)
    {
        Offset = offset;
        MalformedLines += malformed;
        FailuresSeen += failures;
        UpdatedAt = now;
    }

    /// <summary>A new file took the old one's place (rotation) or the file was cut short (truncation): read it from the start.</summary>
    public void Restart(bool rotated, DateTime now)
    {
        Offset = 0;
        LineNumber = 0;
        EntriesRead = 0;
        if (rotated)
        {
            Rotations++;
        }
        else
        {
            Truncations++;
        }

        UpdatedAt = now;
    }
}

/// <summary>A GitHub webhook delivery already handled; a second delivery with the same id is a replay.</summary>
public sealed class WebhookDelivery
{
    public string DeliveryId { get; init; } = "";
    public string Event { get; init; } = "";
    public DateTime ReceivedAt { get; init; }
}
