using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> e)
    {
        e.ToTable("audit_entries");
        e.Property(a => a.Actor).HasMaxLength(150);
        e.Property(a => a.ActorKind).HasConversion<string>().HasMaxLength(10);
        e.Property(a => a.Action).HasMaxLength(30);
        e.Property(a => a.TargetType).HasMaxLength(30);
        e.Property(a => a.TargetId).HasMaxLength(64);
        e.Property(a => a.Ip).HasMaxLength(64);
        e.HasIndex(a => a.At);
        e.HasIndex(a => new { a.TargetType, a.TargetId });
    }
}
