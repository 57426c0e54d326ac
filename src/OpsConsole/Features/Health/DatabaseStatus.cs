using OpsConsole.Data;

namespace OpsConsole.Features.Health;

/// <summary>
/// Whether the database takes writes now, as the console shows it (the banner on every page, the wall's banner, the health
/// chip): since when it has not and why, and a signal when that changes, so pages redraw without waiting for an event.
/// </summary>
public sealed class DatabaseStatus(DatabaseAvailability availability)
{
    /// <summary>When writes stopped reaching the database, and why ("busy", "unreachable"); null while they do.</summary>
    public (DateTime Since, string Reason)? Outage => availability.Outage;

    /// <summary>Writes stopped or started reaching the database.</summary>
    public event Action? Changed
    {
        add => availability.Changed += value;
        remove => availability.Changed -= value;
    }
}
