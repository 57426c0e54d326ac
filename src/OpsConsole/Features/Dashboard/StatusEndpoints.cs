using OpsConsole.Api;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

namespace OpsConsole.Features.Dashboard;

/// <summary>/status/…: the original's status, dashboard and metrics payloads, and the control actions.</summary>
public static class StatusEndpoints
{
    public static RouteGroupBuilder MapStatusApi(this RouteGroupBuilder api)
    {
        var status = api.MapGroup("/status").WithTags("Status");
        status.MapGet("/status", (StatusQueries q, CancellationToken c) => q.StatusAsync(c)).RequireAuthorization(OpsPolicies.Viewer);
        status.MapGet("/dashboard", (StatusQueries q, CancellationToken c) => q.DashboardAsync(c)).RequireAuthorization(OpsPolicies.Viewer);
        status.MapGet("/metrics", (StatusQueries q, CancellationToken c) => q.MetricsAsync(c)).RequireAuthorization(OpsPolicies.Viewer);
        status.MapPost("/process_pending_tasks", async (SafetySweep sweep, CancellationToken c) =>
        {
            var assigned = await sweep.ProcessPendingAsync(c);
            return TypedResults.Ok(new { message = "Processed pending tasks", assigned_count = assigned });
        }).RequireAuthorization(OpsPolicies.Operator);
        status.MapPost("/sweep", [CanConflict] async (SafetySweep sweep, CancellationToken c) =>
        {
            var report = await sweep.SweepAsync(c);
            return TypedResults.Ok(new
            {
                message = "Sweep finished",
                reconciled = report.Reconciled,
                went_offline = report.WentOffline,
                requeued = report.Requeued,
                escalated = report.Escalated,
                assigned = report.Assigned,
                decisions = report.Decisions,
            });
        }).RequireAuthorization(OpsPolicies.Operator);
        return api;
    }
}
