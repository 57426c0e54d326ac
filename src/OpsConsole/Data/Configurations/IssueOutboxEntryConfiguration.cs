using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class IssueOutboxEntryConfiguration : IEntityTypeConfiguration<IssueOutboxEntry>
{
    public void Configure(EntityTypeBuilder<IssueOutboxEntry> e)
    {
        e.ToTable("github_outbox");
        e.Property(r => r.Kind).HasConversion<string>().HasMaxLength(10);
        e.Property(r => r.CoalesceKey).HasMaxLength(50);
        e.Property(r => r.Reason).HasMaxLength(20);
        e.Property(r => r.LastError).HasMaxLength(2000);
        e.HasOne<WorkItem>().WithMany().HasForeignKey(r => r.WorkItemId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(r => new { r.DeliveredAt, r.Id });
        e.HasIndex(r => new { r.WorkItemId, r.Id });
    }
}
