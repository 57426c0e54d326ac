using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OpsConsole.Api;

namespace OpsConsole.Features.Agents;

/// <summary>The body of update_status/: the <c>action</c> (activate, deactivate, …) and an optional <c>reason</c>.</summary>
public sealed record AgentStatusBody(string? Action, string? Reason = null) : IRequestRecord<AgentStatusBody>
{
    public static JsonTypeInfo<AgentStatusBody> JsonType => AgentJson.Default.AgentStatusBody;
}

/// <summary>The request records of the agent routes, bound by generated code.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentStatusBody))]
internal sealed partial class AgentJson : JsonSerializerContext;
