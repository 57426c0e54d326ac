namespace OpsConsole.Domain;

/// <summary>
/// What one report from an agent said its run used. The id is the report's own id when the agent sent one, so the same
/// report sent twice is held once by the primary key, whatever node receives it.
/// </summary>
public sealed class UsageRecord
{
    public Guid Id { get; init; } = NewId.Next();
    public Guid WorkItemId { get; init; }
    public Guid? AssignmentId { get; init; }
    public Guid? AgentId { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public string? Model { get; init; }
    public DateTime At { get; init; }
}

/// <summary>Usage in a report (progress, complete, fail): every part optional and never negative.</summary>
public sealed record UsageReport(long? InputTokens, long? OutputTokens, decimal? CostUsd, string? Model)
{
    public const int MaxModel = 100;

    public bool IsEmpty => InputTokens is null && OutputTokens is null && CostUsd is null && Model is null;
}
