using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

/// <summary>Every failure the intake received (deployment logs, webhooks, the failures route, bug reports) and what became of it.</summary>
public sealed class FailureRecordConfiguration : IEntityTypeConfiguration<FailureRecord>
{
    public void Configure(EntityTypeBuilder<FailureRecord> e)
    {
        e.ToTable("failure_records");
        e.Property(f => f.Channel).HasMaxLength(50);
        e.Property(f => f.ReportedSource).HasMaxLength(500);
        e.Property(f => f.Environment).HasMaxLength(50);
        e.Property(f => f.DeploymentId).HasMaxLength(100);
        e.Property(f => f.Fingerprint).HasMaxLength(100);
        e.Property(f => f.Step).HasMaxLength(500);
        e.Property(f => f.Severity).HasMaxLength(20);
        e.Property(f => f.Outcome).HasConversion<string>().HasMaxLength(20);
        e.Property(f => f.Origin).HasMaxLength(500);
        e.HasOne<WorkItem>().WithMany().HasForeignKey(f => f.WorkItemId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(f => f.ReceivedAt);
        e.HasIndex(f => new { f.Outcome, f.ReceivedAt });
        e.HasIndex(f => f.Fingerprint);
    }
}
