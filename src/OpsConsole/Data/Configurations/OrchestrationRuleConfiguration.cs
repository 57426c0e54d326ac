using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class OrchestrationRuleConfiguration : IEntityTypeConfiguration<OrchestrationRule>
{
    public void Configure(EntityTypeBuilder<OrchestrationRule> e)
    {
        e.ToTable("rules");
        e.Property(r => r.Name).HasMaxLength(100);
        e.HasIndex(r => r.Name).IsUnique();
        e.Property(r => r.Kind).HasConversion<string>().HasMaxLength(30);
        e.HasIndex(r => new { r.Kind, r.IsActive });
    }
}
