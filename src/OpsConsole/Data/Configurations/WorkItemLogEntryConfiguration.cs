using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class WorkItemLogEntryConfiguration : IEntityTypeConfiguration<WorkItemLogEntry>
{
    public void Configure(EntityTypeBuilder<WorkItemLogEntry> e)
    {
        e.ToTable("execution_logs");
        e.Property(l => l.Level).HasConversion<string>().HasMaxLength(10);
        e.Property(l => l.ActorKind).HasConversion<string>().HasMaxLength(10);
        e.Property(l => l.StepName).HasMaxLength(100);
        e.Property(l => l.Actor).HasMaxLength(150);
        e.HasOne(l => l.WorkItem).WithMany().HasForeignKey(l => l.WorkItemId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(l => l.Agent).WithMany().HasForeignKey(l => l.AgentId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(l => new { l.WorkItemId, l.CreatedOn });
        e.HasIndex(l => new { l.AgentId, l.CreatedOn });
        e.HasIndex(l => l.CreatedOn);
    }
}
