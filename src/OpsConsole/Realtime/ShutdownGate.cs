namespace OpsConsole.Realtime;

/// <summary>
/// Lets the process stop promptly while browsers and agents are connected. On shutdown SignalR closes the live
/// connections it tracks, and clients reconnect at once; a reconnect that lands before Kestrel stops listening is
/// never closed, so the host waits out the whole ShutdownTimeout and then aborts (dotnet/aspnetcore#58947).
/// Once stopping, live-connection requests get 503 and those already running are aborted.
/// </summary>
public static class ShutdownGate
{
    public static IApplicationBuilder UseLiveConnectionShutdownGate(this IApplicationBuilder app, params PathString[] paths)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            if (!paths.Any(p => context.Request.Path.StartsWithSegments(p)))
            {
                await next(context);
                return;
            }

            if (stopping.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            using var abortOnStop = stopping.Register(static state => ((HttpContext)state!).Abort(), context);
            await next(context);
        });
    }
}
