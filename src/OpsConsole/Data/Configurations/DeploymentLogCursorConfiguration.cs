using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class DeploymentLogCursorConfiguration : IEntityTypeConfiguration<DeploymentLogCursor>
{
    public void Configure(EntityTypeBuilder<DeploymentLogCursor> e)
    {
        e.ToTable("deployment_log_cursors");
        e.HasKey(c => c.Path);
        e.Property(c => c.Path).HasMaxLength(1000);
        e.Property(c => c.HeadHash).HasMaxLength(64);
        e.Property(c => c.Format).HasConversion<string>().HasMaxLength(20);
    }
}
