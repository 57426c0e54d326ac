using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>RFC 9457 problem details with a message a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string detail, string? title = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title ?? ReasonPhrase(status),
            Detail = detail,
            Type = $"https://httpstatuses.io/{status}",
        });

    public static ProblemHttpResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, detail);

    public static NotFoundProblem NotFound(string detail) => new(Create(StatusCodes.Status404NotFound, detail));

    public static ForbiddenProblem Forbidden(string detail) => new(Create(StatusCodes.Status403Forbidden, detail));

    public static UnauthorizedProblem Unauthorized(string detail) => new(Create(StatusCodes.Status401Unauthorized, detail));

    /// <summary>A 400 as <see cref="BadRequest"/> writes it, typed for a handler's results.</summary>
    public static BadRequestProblem Invalid(string detail) => new(BadRequest(detail));

    /// <summary>A body that cannot be read (400 with what is wrong with it).</summary>
    public static RequestProblem Unreadable(string detail) => new(BadRequest(detail));

    public static RequestProblem TooLarge(int maxBytes) =>
        new(Create(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {maxBytes / 1024} KiB; send less data per request."));

    /// <summary>The one place a domain refusal becomes an HTTP status.</summary>
    public static int StatusOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status409Conflict,
    };

    public static ValidationProblem Validation(IDictionary<string, List<string>> errors) =>
        TypedResults.ValidationProblem(
            errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
            detail: string.Join("; ", errors.SelectMany(e => e.Value)),
            title: "The request has invalid fields");

    public static NotFoundProblem NotFound(string what, Guid id) => NotFound($"{what} {id} was not found");

    /// <summary>Members of a problem that a field's name may not take over.</summary>
    private static readonly HashSet<string> ProblemMembers = ["type", "title", "status", "detail", "instance", "errors", "error", "traceId"];

    /// <summary>
    /// Adds the keys the original's clients read to a problem, so they work unchanged beside clients of problem details:
    /// <c>error</c> (its views' <c>{"error": "…"}</c>) with the detail, and for invalid fields each field's name with its list of
    /// messages (DRF's <c>{"priority": ["…"]}</c>), except where the name is one of the problem's own members (then only in <c>errors</c>).
    /// </summary>
    public static void AddOriginalKeys(ProblemDetails problem)
    {
        if (problem.Detail is { } detail)
        {
            problem.Extensions.TryAdd("error", detail);
        }

        if (problem is HttpValidationProblemDetails validation)
        {
            foreach (var (field, messages) in validation.Errors.Where(e => !ProblemMembers.Contains(e.Key)))
            {
                problem.Extensions.TryAdd(field, messages);
            }
        }
    }

    public static string Title(int status) => ReasonPhrase(status);

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad request",
        401 => "Authentication required",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request body too large",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };
}
