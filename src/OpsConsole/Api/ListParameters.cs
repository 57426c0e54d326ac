using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OpsConsole.Api;

/// <summary>
/// Describes the paging parameters of every list route (those answering <see cref="Page{T}"/>) in the OpenAPI document: the
/// handlers read them from the query string themselves (<see cref="ListQuery"/>), so the document would not show them.
/// </summary>
public sealed class ListParameters : IOpenApiOperationTransformer
{
    /// <summary>Endpoint metadata of a list kept in memory (agents, API keys): pages by number only, no <c>cursor</c>.</summary>
    public sealed class NumberedOnly
    {
        public static readonly NumberedOnly Instance = new();
    }

    public const string PageText =
        "The page's number, 1 for the first. A deep page skips the rows before it: to read a long list, follow `next`, which leads " +
        "by cursor (the links carry the neighbouring page's number too). A page past the end is 404 \"Invalid page.\".";

    public static readonly string PageSizeText =
        $"Rows a page, {ListQuery.DefaultPageSize} by default; a larger value than {ListQuery.MaxPageSize} is {ListQuery.MaxPageSize}, as the original caps it.";

    public static readonly string CursorText =
        "Where the page starts, as the list's `next` and `previous` links give it (opaque: keep the link's other parameters, " +
        "`ordering` above all). Found by an index seek however deep the page: a client that follows the links sees every row " +
        "that existed exactly once, in order, while rows are added or removed. With a cursor, the link's `page` is only the " +
        "page's number. A cursor the list did not give out, or one of another ordering, is a 400 naming `cursor`. " +
        $"`count` is exact up to {ListQuery.ExactCountLimit:N0} rows; past that it is {ListQuery.ExactCountLimit:N0} and the envelope adds `\"count_is_lower_bound\": true`.";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var isList = context.Description.SupportedResponseTypes.Any(r => r.Type is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Page<>));
        if (!isList)
        {
            return Task.CompletedTask;
        }

        operation.Parameters ??= [];
        Add(operation, "page", PageText, JsonSchemaType.Integer);
        Add(operation, "page_size", PageSizeText, JsonSchemaType.Integer);
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<NumberedOnly>().Any())
        {
            Add(operation, PageCursor.Parameter, CursorText, JsonSchemaType.String);
        }

        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, string name, string description, JsonSchemaType type)
    {
        if (operation.Parameters!.Any(p => p.Name == name))
        {
            return;
        }

        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Query,
            Description = description,
            Schema = new OpenApiSchema { Type = type, Minimum = type == JsonSchemaType.Integer ? "1" : null },
        });
    }
}
