using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

/// <summary>
/// The indexes of the task list (the API's <c>tasks/</c> and the console's Tasks page; the orders are in
/// Features/WorkItems/TaskOrdering): one per filter in the default order (most urgent first) and one per order, each ending
/// with priority and creation time as the order's ties do, so that every page, however deep, is an index seek (keyset
/// paging). Status in the default order is the assignment queue's <c>(Status, Priority, CreatedOn)</c>, priority alone
/// <c>(Priority, CreatedOn)</c> and creation time <c>(CreatedOn)</c>.
/// </summary>
public sealed class TaskListIndexes : IEntityTypeConfiguration<WorkItem>
{
    public void Configure(EntityTypeBuilder<WorkItem> e)
    {
        e.HasIndex(w => new { w.Kind, w.Priority, w.CreatedOn });
        e.HasIndex(w => new { w.AssignedAgentId, w.Priority, w.CreatedOn }).HasFilter("\"AssignedAgentId\" IS NOT NULL");
        // Only the few tasks that need attention, read as a bare column (WHERE "NeedsAttention") as the list asks for them.
        e.HasIndex(w => new { w.Priority, w.CreatedOn }, "IX_tasks_needs_attention").HasFilter("\"NeedsAttention\"");
        e.HasIndex(w => new { w.DueDate, w.Priority, w.CreatedOn });
        e.HasIndex(w => new { w.NextAttemptAt, w.Priority, w.CreatedOn });
        e.HasIndex(w => new { w.EscalationLevel, w.Priority, w.CreatedOn });
        e.HasIndex(w => w.Title);
        e.HasIndex(w => w.ModifiedOn);
    }
}
