using Microsoft.AspNetCore.Diagnostics;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Hosting;

/// <summary>
/// A request that met a database it could not reach (PostgreSQL restarting or failed over, a connection cut mid-query)
/// outside a unit of work, typically a read: answered as a refused write is (503 with Retry-After, the same problem
/// detail, written by <see cref="RefusalExceptionHandler"/>) instead of a 500; the readiness probe and the banners learn of
/// the outage from it too.
/// </summary>
public sealed class DatabaseUnavailableHandler(DatabaseAvailability availability, IProblemDetailsService problems) : IExceptionHandler
{
    private readonly RefusalExceptionHandler refusals = new(problems);

    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is RefusedException || !WriteConflicts.IsUnavailable(exception))
        {
            return ValueTask.FromResult(false);
        }

        availability.Failed(DatabaseAvailability.Reason(exception));
        Npgsql.NpgsqlConnection.ClearAllPools(); // after a restart or failover the pooled connections are dead
        return refusals.TryHandleAsync(httpContext, WriteConflicts.Unavailable(exception), cancellationToken);
    }
}
