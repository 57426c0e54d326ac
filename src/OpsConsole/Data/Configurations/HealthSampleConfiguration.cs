using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class HealthSampleConfiguration : IEntityTypeConfiguration<HealthSample>
{
    public void Configure(EntityTypeBuilder<HealthSample> e)
    {
        e.ToTable("health_samples");
        e.Property(h => h.Component).HasMaxLength(50);
        e.Property(h => h.MetricName).HasMaxLength(100);
        e.Property(h => h.Status).HasConversion<string>().HasMaxLength(10);
        e.HasIndex(h => new { h.Component, h.MetricName, h.LastCheck });
        e.HasIndex(h => h.LastCheck);
    }
}
