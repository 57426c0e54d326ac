using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OpsConsole.Api;

/// <summary>Shows a route's request record (<see cref="JsonRequest{T}"/>) as its request body in the OpenAPI document.</summary>
public sealed class RequestRecords : IOpenApiOperationTransformer
{
    /// <summary>Endpoint metadata: the route's body binds to <paramref name="Type"/>; an empty body is refused when <paramref name="Required"/>.</summary>
    public sealed record Body(Type Type, bool Required);

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Body>().FirstOrDefault() is not { } body)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = body.Required,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken) },
            },
        };
    }
}
