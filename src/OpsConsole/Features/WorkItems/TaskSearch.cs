using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>What the console's task list asks for; also the shape of its URL and of the CSV export.</summary>
public sealed record TaskSearch
{
    public IReadOnlyList<WorkItemStatus> Statuses { get; init; } = [];
    public IReadOnlyList<WorkItemKind> Kinds { get; init; } = [];
    public IReadOnlyList<WorkItemPriority> Priorities { get; init; } = [];
    public Guid? AgentId { get; init; }
    public string? Environment { get; init; }
    public string? Text { get; init; }
    public bool OpenOnly { get; init; }
    public bool NeedsAttention { get; init; }
    public string SortBy { get; init; } = "priority";
    public bool Descending { get; init; } = true;

    /// <summary>The console's query string for this search (saved filters live in the URL).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        if (Statuses.Count > 0) parts.Add("status=" + string.Join(',', Statuses.Select(s => s.Wire())));
        if (Kinds.Count > 0) parts.Add("type=" + string.Join(',', Kinds.Select(k => k.Wire())));
        if (Priorities.Count > 0) parts.Add("priority=" + string.Join(',', Priorities.Select(p => p.Wire())));
        if (AgentId is { } agent) parts.Add($"agent={agent}");
        if (!string.IsNullOrWhiteSpace(Environment)) parts.Add("env=" + Uri.EscapeDataString(Environment));
        if (!string.IsNullOrWhiteSpace(Text)) parts.Add("q=" + Uri.EscapeDataString(Text));
        if (OpenOnly) parts.Add("open=true");
        if (NeedsAttention) parts.Add("attention=true");
        if (SortBy != "priority" || !Descending) parts.Add($"sort={(Descending ? "-" : "")}{SortBy}");
        return string.Join('&', parts);
    }

    public static TaskSearch FromQuery(IReadOnlyDictionary<string, string?> query)
    {
        string? Get(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        static List<T> Parse<T>(string? csv)
            where T : struct, Enum =>
            (csv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => WireFormat.TryParse<T>(x, out var value) ? (T?)value : null).OfType<T>().Distinct().ToList();

        var sort = Get("sort") ?? "-priority";
        return new TaskSearch
        {
            Statuses = Parse<WorkItemStatus>(Get("status")),
            Kinds = Parse<WorkItemKind>(Get("type")),
            Priorities = Parse<WorkItemPriority>(Get("priority")),
            AgentId = Guid.TryParse(Get("agent"), out var agent) ? agent : null,
            Environment = Get("env"),
            Text = Get("q"),
            OpenOnly = Get("open") == "true",
            NeedsAttention = Get("attention") == "true",
            SortBy = TaskOrdering.Names.Contains(sort.TrimStart('-')) ? sort.TrimStart('-') : "priority",
            Descending = sort.StartsWith('-'),
        };
    }
}
