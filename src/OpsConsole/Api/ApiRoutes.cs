namespace OpsConsole.Api;

/// <summary>Where the API lives; the route table itself is composition (<c>Hosting/ApiRouteTable</c>).</summary>
public static class ApiRoutes
{
    public const string Base = "/api/v1/orchestration";
}
