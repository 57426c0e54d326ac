using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class AgentConfiguration : IEntityTypeConfiguration<Agent>
{
    public void Configure(EntityTypeBuilder<Agent> e)
    {
        e.ToTable("agents");
        e.Ignore(a => a.Events);
        e.Property(a => a.Name).HasMaxLength(100);
        e.HasIndex(a => a.Name).IsUnique();
        e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
        e.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        e.Property(a => a.Capabilities).HasConversion(JsonListConverter<WorkItemKind>(), ListComparer<WorkItemKind>());
        e.Property(a => a.Environments).HasConversion(JsonListConverter<string>(), ListComparer<string>());
        e.Property(a => a.RecentOutcomes).HasMaxLength(Agent.RecentWindow);
        e.Property(a => a.TokenHash).HasMaxLength(128);
        e.HasIndex(a => a.TokenHash);
        e.HasIndex(a => new { a.Status, a.IsActive });
        e.Property<long>(OpsDbContext.VersionColumn).IsConcurrencyToken();
    }

    private static ValueConverter<List<T>, string> JsonListConverter<T>() => new(
        v => JsonSerializer.Serialize(v, JsonOptions),
        v => JsonSerializer.Deserialize<List<T>>(v, JsonOptions) ?? new List<T>());

    private static ValueComparer<List<T>> ListComparer<T>() => new(
        (a, b) => (a == null && b == null) || (a != null && b != null && a.SequenceEqual(b)),
        v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)),
        v => v.ToList());

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
