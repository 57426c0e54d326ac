using Microsoft.AspNetCore.Diagnostics;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// Turns a refusal that reached the pipeline (domain rules, entity transitions) into problem details with its status,
/// so no handler has to catch them and nothing a client sends ends as a 500.
/// </summary>
public sealed class RefusalExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            RefusedException refused => (Problems.StatusOf(refused.Kind), refused.Message),
            TransitionRefusedException refused => (StatusCodes.Status409Conflict, refused.Message),
            _ => (0, ""),
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        if (exception is RefusedException { Kind: RefusalKind.Unavailable })
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        var context = exception is InvalidParameterException invalid
            ? new ProblemDetailsContext
            {
                // The same validation problem as a parameter refused before the list was read: errors name the parameter.
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new Microsoft.AspNetCore.Http.HttpValidationProblemDetails(new Dictionary<string, string[]> { [invalid.Parameter] = [detail] })
                {
                    Status = status,
                    Title = "The request has invalid fields",
                    Detail = detail,
                    Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                },
            }
            : new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = { Status = status, Title = Problems.Title(status), Detail = detail, Type = $"https://httpstatuses.io/{status}" },
            };
        if (exception is PageNotFoundException page)
        {
            context.ProblemDetails.Extensions["reason"] = page.Reason;
        }

        return await problems.TryWriteAsync(context);
    }
}
