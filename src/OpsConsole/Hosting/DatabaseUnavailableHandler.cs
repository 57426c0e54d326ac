using Microsoft.AspNetCore.Diagnostics;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Hosting;

/// <summary>
/// A request that met a database it could not reach (PostgreSQL restarting or failed over, a connection cut mid-query)
/// outside a unit of work, typically a read: answered 503 with Retry-After, as a refused write is, instead of a 500; the
/// readiness probe and the banners learn of the outage from it too.
/// </summary>
public sealed class DatabaseUnavailableHandler(DatabaseAvailability availability, IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is RefusedException || !WriteConflicts.IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        availability.Failed(DatabaseAvailability.Reason(exception));
        Npgsql.NpgsqlConnection.ClearAllPools(); // after a restart or failover the pooled connections are dead
        var refusal = WriteConflicts.Unavailable(exception);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service Unavailable",
                Detail = refusal.Message,
                Type = "https://httpstatuses.io/503",
            },
        });
    }
}
