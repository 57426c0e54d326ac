using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OpsConsole.Api;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// The body of the original's POST tasks/create_from_deployment_failure/: the deployment and its error (required), where it
/// failed, the server, its environment and any <c>additional_info</c> object (at most 64 KiB).
/// </summary>
public sealed record DeploymentFailureBody(
    string? DeploymentId,
    string? ErrorMessage,
    string? FailedStep = null,
    string? ServerHostname = null,
    string? Domain = null,
    JsonObject? AdditionalInfo = null,
    string? Environment = null) : IRequestRecord<DeploymentFailureBody>
{
    public static JsonTypeInfo<DeploymentFailureBody> JsonType => IntakeJson.Default.DeploymentFailureBody;
}

/// <summary>The request records of the intake routes, bound by generated code.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeploymentFailureBody))]
internal sealed partial class IntakeJson : JsonSerializerContext;
