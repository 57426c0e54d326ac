using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class UsageRecordConfiguration : IEntityTypeConfiguration<UsageRecord>
{
    public void Configure(EntityTypeBuilder<UsageRecord> e)
    {
        e.ToTable("usage_records");
        e.Property(u => u.Model).HasMaxLength(UsageReport.MaxModel);
        e.Property(u => u.CostUsd).HasPrecision(18, 6);
        e.HasOne<WorkItem>().WithMany().HasForeignKey(u => u.WorkItemId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(u => u.At);
        e.HasIndex(u => new { u.WorkItemId, u.AssignmentId });
    }
}
