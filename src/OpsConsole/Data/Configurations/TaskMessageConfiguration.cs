using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class TaskMessageConfiguration : IEntityTypeConfiguration<TaskMessage>
{
    public void Configure(EntityTypeBuilder<TaskMessage> e)
    {
        e.ToTable("task_messages");
        e.Ignore(m => m.Events);
        e.Property(m => m.Text).HasMaxLength(TaskMessage.MaxText);
        e.Property(m => m.Author).HasMaxLength(150);
        e.HasOne<WorkItem>().WithMany().HasForeignKey(m => m.WorkItemId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(m => new { m.WorkItemId, m.CreatedOn });
    }
}
