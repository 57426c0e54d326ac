using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Integrations.Notifications;
using OpsConsole.Security;

namespace OpsConsole.Features.Notifications;

public sealed record NotificationDeliveryDto(
    long Id, string Rule, string Event, Guid? TaskId, string Url, string State, int Attempts, int? LastStatus, string? LastError,
    DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? DeliveredAt);

public sealed record NotificationStatusDto(int Pending, int Delivered, int Failed, IReadOnlyList<NotificationDeliveryDto> Recent);

/// <summary>The notification outbox as the Integrations page and GET integrations/notifications/ show it.</summary>
public sealed class NotificationQuery(IDbContextFactory<OpsDbContext> dbFactory)
{
    public async Task<NotificationStatusDto> StatusAsync(int recent, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.NotificationDeliveries.AsNoTracking().OrderByDescending(n => n.Id).Take(recent).ToListAsync(cancellationToken);
        return new NotificationStatusDto(
            await db.NotificationDeliveries.CountAsync(n => n.DeliveredAt == null && n.FailedAt == null, cancellationToken),
            await db.NotificationDeliveries.CountAsync(n => n.DeliveredAt != null, cancellationToken),
            await db.NotificationDeliveries.CountAsync(n => n.FailedAt != null, cancellationToken),
            [.. rows.Select(n => new NotificationDeliveryDto(n.Id, n.RuleName, n.Event, n.WorkItemId, n.Url,
                n.DeliveredAt is not null ? "delivered" : n.FailedAt is not null ? "failed" : n.Attempts > 0 ? "retrying" : "pending",
                n.Attempts, n.LastStatus, n.LastError, n.CreatedAt, n.NextAttemptAt, n.DeliveredAt))]);
    }
}

public static class NotificationEndpoints
{
    public static RouteGroupBuilder MapNotificationApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/integrations/notifications").WithTags("Notifications");
        group.MapGet("/", async (NotificationQuery query, CancellationToken ct) => TypedResults.Ok(await query.StatusAsync(50, ct)))
            .RequireAuthorization(OpsPolicies.Viewer);
        group.MapPost("/deliver", async (NotificationSender sender, CancellationToken ct) => TypedResults.Ok(await sender.DeliverAsync(ct)))
            .RequireAuthorization(OpsPolicies.Admin);
        return api;
    }

    /// <summary>The notification rules' outbox, its sender (through IHttpClientFactory, 10 s per request; retries are the outbox's) and its job.</summary>
    public static IServiceCollection AddOpsNotifications(this IServiceCollection services)
    {
        services.AddHttpClient(NotificationSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<NotificationSender>();
        services.AddSingleton<NotificationQuery>();
        services.AddTransient<NotificationDeliveryJob>();
        return services;
    }
}
