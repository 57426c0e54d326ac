using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Update;

namespace OpsConsole.Data;

/// <summary>
/// A tracked entry's values, original and current, and which of them changed, read through EF's <see cref="IUpdateEntry"/>
/// (what a provider's save reads): <c>entry.Properties</c> and <c>entry.Property(…)</c> make an object per property each
/// time, which the save parts (the audit, the row updater, the issue outbox) would otherwise do for every property of every
/// row of every save.
/// </summary>
internal static class EntryValues
{
#pragma warning disable EF1001 // InternalEntityEntry is internal; IUpdateEntry, which it is, is EF's public contract for providers
    public static IUpdateEntry Values(this EntityEntry entry) => entry.GetInfrastructure();
#pragma warning restore EF1001
}
