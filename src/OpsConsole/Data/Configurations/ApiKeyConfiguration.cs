using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> e)
    {
        e.ToTable("api_keys");
        e.Property(k => k.Name).HasMaxLength(100);
        e.Property(k => k.Role).HasConversion<string>().HasMaxLength(10);
        e.Property(k => k.KeyHash).HasMaxLength(128);
        e.Property(k => k.Prefix).HasMaxLength(16);
        e.HasIndex(k => k.KeyHash).IsUnique();
    }
}
