using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> e)
    {
        e.ToTable("notification_deliveries");
        e.Property(n => n.RuleName).HasMaxLength(100);
        e.Property(n => n.Event).HasMaxLength(30);
        e.Property(n => n.EventKey).HasMaxLength(200);
        e.Property(n => n.Url).HasMaxLength(2000);
        e.HasIndex(n => new { n.RuleId, n.EventKey }).IsUnique();
        e.HasIndex(n => new { n.DeliveredAt, n.FailedAt, n.NextAttemptAt });
        e.HasIndex(n => n.CreatedAt);
    }
}
