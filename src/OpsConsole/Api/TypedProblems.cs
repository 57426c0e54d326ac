using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace OpsConsole.Api;

/// <summary>
/// A problem answer (built by <see cref="Problems"/>, written exactly as before) whose type says its status, so a handler's
/// <c>Results&lt;…&gt;</c> lists it in the OpenAPI document without a hand-written <c>.Produces</c>.
/// </summary>
public abstract class TypedProblem(IResult problem, int status, ProblemDetails details)
    : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
{
    public int? StatusCode => status;

    /// <summary>The problem a client reads (for a field problem, a <see cref="HttpValidationProblemDetails"/> with its errors).</summary>
    public ProblemDetails ProblemDetails => details;

    ProblemDetails? IValueHttpResult<ProblemDetails>.Value => details;

    object? IValueHttpResult.Value => details;

    public string? ContentType => "application/problem+json";

    public Task ExecuteAsync(HttpContext httpContext) => problem.ExecuteAsync(httpContext);

    /// <summary>Says, in the endpoint's metadata, that it may answer <paramref name="statuses"/> with a problem.</summary>
    public static void Describe(EndpointBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            Describe(builder, status, typeof(ProblemDetails));
        }
    }

    /// <summary>Says that the endpoint may answer <paramref name="status"/> with a problem of <paramref name="type"/> (the first one said stays).</summary>
    public static void Describe(EndpointBuilder builder, int status, Type type)
    {
        if (!builder.Metadata.OfType<IProducesResponseTypeMetadata>().Any(m => m.StatusCode == status))
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, type, ["application/problem+json"]));
        }
    }
}

/// <summary>
/// What is wrong with a request's body: invalid fields, each named with its messages (400, as <see cref="Problems.Validation"/>
/// writes it), a body that cannot be read (400) or one too large (413).
/// </summary>
public sealed class RequestProblem : TypedProblem, IEndpointMetadataProvider
{
    public RequestProblem(ProblemHttpResult problem) : base(problem, problem.StatusCode, problem.ProblemDetails)
    {
    }

    public RequestProblem(ValidationProblem problem) : base(problem, problem.StatusCode, problem.ProblemDetails)
    {
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        Describe(builder, StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
        Describe(builder, StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails));
    }
}

/// <summary>A 400 that names no field (a header, a state the request cannot have).</summary>
public sealed class BadRequestProblem(ProblemHttpResult problem) : TypedProblem(problem, StatusCodes.Status400BadRequest, problem.ProblemDetails), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status400BadRequest);
}

public sealed class UnauthorizedProblem(ProblemHttpResult problem) : TypedProblem(problem, StatusCodes.Status401Unauthorized, problem.ProblemDetails), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status401Unauthorized);
}

public sealed class ForbiddenProblem(ProblemHttpResult problem) : TypedProblem(problem, StatusCodes.Status403Forbidden, problem.ProblemDetails), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status403Forbidden);
}

public sealed class NotFoundProblem(ProblemHttpResult problem) : TypedProblem(problem, StatusCodes.Status404NotFound, problem.ProblemDetails), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status404NotFound);
}

/// <summary>An image as stored (a bug report's screenshot), typed so the document lists the 200 and its media type.</summary>
public sealed class ImageFile(byte[] data, string contentType) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.File(data, contentType).ExecuteAsync(httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(byte[]), [.. Domain.BugReportScreenshot.ImageTypes]));
}

/// <summary>
/// Says on a handler that its write can be refused with 409: a transition the task's state refuses, a name or link already
/// taken, a replayed delivery (each a refusal of kind Conflict), or a write that lost its race with a concurrent change of the
/// same task or agent (the unit of work's 409 after its retries). The answer comes through the one refusal handler; this puts
/// it in the route's description. A write that can meet none of these (reading a preview, revoking a key) does not say it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CanConflictAttribute : Attribute, IProducesResponseTypeMetadata
{
    public Type? Type => typeof(ProblemDetails);

    public int StatusCode => StatusCodes.Status409Conflict;

    public IEnumerable<string> ContentTypes => ["application/problem+json"];
}
