using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class WorkLeaseConfiguration : IEntityTypeConfiguration<WorkLease>
{
    public void Configure(EntityTypeBuilder<WorkLease> e)
    {
        e.ToTable("work_leases");
        e.HasKey(l => l.Name);
        e.Property(l => l.Name).HasMaxLength(200);
        e.Property(l => l.Holder).HasMaxLength(200);
    }
}
