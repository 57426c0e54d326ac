using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Integrations.Notifications;

/// <summary>What one delivery pass did.</summary>
public sealed record NotificationPass(int Delivered, int Retrying, int Failed);

/// <summary>
/// Delivers the notification outbox: each row is claimed in the database first (a conditional update: of two nodes, one
/// sends it), posted as JSON (with <c>X-OpsConsole-Signature-256: sha256=HMAC(secret, body)</c> when the rule has a secret,
/// and <c>X-OpsConsole-Delivery</c>, the row id, for receivers that want to drop a resend), then marked delivered. A failure
/// waits 30 s · 2^(attempt−1) (at most an hour) and gives up after <see cref="NotificationDelivery.MaxAttempts"/> attempts.
/// The retry is data (the row), never an in-process loop, so a restart loses nothing.
/// </summary>
public sealed class NotificationSender(
    IDbContextFactory<OpsDbContext> dbFactory, UnitOfWork unitOfWork, IHttpClientFactory httpFactory, TimeProvider time, ILogger<NotificationSender> logger)
{
    public const string HttpClientName = "notifications";
    public const string SignatureHeader = "X-OpsConsole-Signature-256";
    public const string DeliveryHeader = "X-OpsConsole-Delivery";
    public const string EventHeader = "X-OpsConsole-Event";
    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);

    public async Task<NotificationPass> DeliverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<NotificationDelivery> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            due = await db.NotificationDeliveries.AsNoTracking()
                .Where(n => n.DeliveredAt == null && n.FailedAt == null && (n.NextAttemptAt == null || n.NextAttemptAt <= now) && (n.ClaimedUntil == null || n.ClaimedUntil < now))
                .OrderBy(n => n.Id).Take(200).ToListAsync(cancellationToken);
        }

        var (delivered, retrying, failed) = (0, 0, 0);
        foreach (var row in due)
        {
            if (!await ClaimAsync(row.Id, cancellationToken))
            {
                continue; // another node has it
            }

            var (status, error) = await SendAsync(row, cancellationToken);
            var outcome = await RecordAsync(row.Id, status, error, cancellationToken);
            delivered += outcome == 0 ? 1 : 0;
            retrying += outcome == 1 ? 1 : 0;
            failed += outcome == 2 ? 1 : 0;
        }

        return new NotificationPass(delivered, retrying, failed);
    }

    private Task<bool> ClaimAsync(long id, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, now) => await db.NotificationDeliveries
            .Where(n => n.Id == id && n.DeliveredAt == null && n.FailedAt == null && (n.ClaimedUntil == null || n.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntil, now + ClaimFor).SetProperty(n => n.Attempts, n => n.Attempts + 1), cancellationToken) == 1,
            cancellationToken);

    private async Task<(int? Status, string? Error)> SendAsync(NotificationDelivery row, CancellationToken cancellationToken)
    {
        string? secret;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == row.RuleId, cancellationToken);
            if (rule is null)
            {
                return (null, "the rule was deleted");
            }

            using var actions = System.Text.Json.JsonDocument.Parse(rule.Actions);
            secret = NotificationTarget.From(actions.RootElement)?.Secret;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, row.Url)
            {
                Content = new StringContent(row.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add(DeliveryHeader, row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(EventHeader, row.Event);
            if (secret is not null)
            {
                request.Headers.Add(SignatureHeader, Sign(secret, row.Payload));
            }

            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex is TaskCanceledException ? "timed out" : ex.Message);
        }
    }

    /// <summary><c>sha256=</c> and the hex HMAC-SHA256 of the body with the rule's secret (as GitHub signs its webhooks).</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>0 delivered, 1 will retry, 2 failed for good.</summary>
    private Task<int> RecordAsync(long id, int? status, string? error, CancellationToken cancellationToken) =>
        unitOfWork.WriteAsync(async (db, now) =>
        {
            var row = await db.NotificationDeliveries.FirstAsync(n => n.Id == id, cancellationToken);
            row.ClaimedUntil = null;
            row.LastStatus = status;
            if (error is null)
            {
                row.DeliveredAt = now;
                row.LastError = null;
                await db.SaveChangesAsync(cancellationToken);
                NotificationsLog.Delivered(logger, id, row.Event, row.RuleName);
                return 0;
            }

            row.LastError = error.Clip(1000);
            var giveUp = row.Attempts >= NotificationDelivery.MaxAttempts || error == "the rule was deleted";
            if (giveUp)
            {
                row.FailedAt = now;
            }
            else
            {
                row.NextAttemptAt = now + NotificationDelivery.Backoff(row.Attempts);
            }

            await db.SaveChangesAsync(cancellationToken);
            NotificationsLog.NotDelivered(logger, id, row.Event, row.RuleName, row.Attempts, error,
                giveUp ? "; given up" : $"; next attempt at {row.NextAttemptAt:u}");
            return giveUp ? 2 : 1;
        }, CancellationToken.None);
}

/// <summary>
/// Delivers due notifications, every 15 s. Runs on any node, two at once if need be: each row is claimed in the database
/// before it is sent. (Hangfire's DisableConcurrentExecution lock, held by a node that was killed, kept every other node's
/// workers waiting on it until it lapsed, GitHub delivery queued behind them.)
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class NotificationDeliveryJob(NotificationSender sender, DatabaseGate gate)
{
    public Task RunAsync(CancellationToken cancellationToken) =>
        gate.RunAsync("notification delivery", async ct => await sender.DeliverAsync(ct), cancellationToken);
}
