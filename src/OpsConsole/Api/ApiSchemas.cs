using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OpsConsole.Api;

/// <summary>
/// Makes the OpenAPI document's schemas say what the wire carries where the generator cannot see it: times are strings (the API
/// writes them through its own converter, ISO-8601 UTC), and an answer of several shapes (<c>[JsonDerivedType]</c> without a
/// discriminator) is one of them, with no <c>$type</c> property the API never writes.
/// </summary>
public sealed class ApiSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(DateTime) && schema.Type is null)
        {
            schema.Type = context.JsonTypeInfo.Type == type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
        }

        if (schema.Discriminator is not null
            && context.JsonTypeInfo.PolymorphismOptions is { } polymorphism && polymorphism.DerivedTypes.All(d => d.TypeDiscriminator is null))
        {
            schema.Discriminator = null;
        }

        return Task.CompletedTask;
    }
}
