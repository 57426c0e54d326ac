using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> e)
    {
        e.ToTable("webhook_deliveries");
        e.HasKey(d => d.DeliveryId);
        e.Property(d => d.DeliveryId).HasMaxLength(100);
        e.Property(d => d.Event).HasMaxLength(100);
        e.HasIndex(d => d.ReceivedAt);
    }
}
