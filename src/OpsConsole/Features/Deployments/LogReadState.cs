using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>Where a read of the deployment log stands, and what the next commit must write to the cursor.</summary>
internal sealed class LogReadState(DeploymentLogCursor? cursor)
{
    public long Offset { get; private set; } = cursor?.Offset ?? 0;
    public long LineNumber { get; private set; } = cursor?.LineNumber ?? 0;
    public int EntriesRead { get; private set; } = cursor?.EntriesRead ?? 0;
    public DeploymentLogFormat Format { get; private set; } = cursor?.Format ?? DeploymentLogFormat.Lines;
    public bool FirstRead { get; } = cursor is null;
    public bool Pending { get; private set; } = cursor is null;
    private string headHash = cursor?.HeadHash ?? "";
    private int headLength = cursor?.HeadLength ?? 0;
    private (bool Rotated, string? From)? restart;

    public void Restart(string? rotatedFrom, bool truncated = false)
    {
        Offset = 0;
        LineNumber = 0;
        EntriesRead = 0;
        restart = (!truncated, rotatedFrom);
        Pending = true;
    }

    public void Identify(byte[] head, DeploymentLogFormat format)
    {
        var hash = DeploymentLogFile.Hash(head);
        if (hash != headHash || head.Length != headLength || format != Format)
        {
            Pending = true;
        }

        headHash = hash;
        headLength = head.Length;
        Format = format;
    }

    public void Advance(long offset, long lineNumber)
    {
        Offset = offset;
        LineNumber = lineNumber;
    }

    public void AdvanceDocument(int entries, long length)
    {
        EntriesRead = entries;
        Offset = length;
    }

    public LogReadSnapshot Snapshot() => new(Offset, LineNumber, EntriesRead, Format, headHash, headLength, restart is { } r ? (r.Rotated, r.From) : null);

    public void Committed()
    {
        restart = null;
        Pending = false;
    }
}

/// <summary>The read's position as one commit writes it to the cursor.</summary>
internal sealed record LogReadSnapshot(long Offset, long LineNumber, int EntriesRead, DeploymentLogFormat Format, string HeadHash, int HeadLength, (bool Rotated, string? From)? Restart);
