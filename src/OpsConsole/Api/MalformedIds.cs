using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// The one answer to a malformed id in a route. Routes take ids as <c>{id:guid}</c> (bound to <c>Guid id</c>), so they match
/// only UUIDs; for each of them this source adds a twin <c>{id:notguid}</c> with the same methods and authorization that
/// answers the 400 naming the route's <see cref="IdKind"/> (its endpoint metadata). A well-formed id that is unknown still
/// reaches the route and its 404. The twins are left out of the OpenAPI document; the routes list the 400 themselves.
/// </summary>
public sealed class MalformedIds(IReadOnlyList<EndpointDataSource> routes) : EndpointDataSource
{
    /// <summary>The route constraint's name (<c>{id:notguid}</c>).</summary>
    public const string ConstraintName = "notguid";

    private const string Guarded = "{id:guid}";

    private IReadOnlyList<Endpoint>? endpoints;

    public override IReadOnlyList<Endpoint> Endpoints => endpoints ??= [.. routes.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().Select(Twin).OfType<Endpoint>()];

    public override IChangeToken GetChangeToken() => NullChangeToken.Singleton;

    /// <summary>Whether a route takes a UUID id (and so answers a malformed one with 400).</summary>
    public static bool TakesId(RoutePattern pattern) => pattern.RawText?.Contains(Guarded, StringComparison.Ordinal) == true;

    private static RouteEndpoint? Twin(RouteEndpoint route)
    {
        if (!TakesId(route.RoutePattern) || route.Metadata.GetMetadata<IdKind>() is not { } kind)
        {
            return null;
        }

        var builder = new RouteEndpointBuilder(
            context => Problems.Invalid(kind.NotAnId(context.GetRouteValue("id") as string)).ExecuteAsync(context),
            RoutePatternFactory.Parse(route.RoutePattern.RawText!.Replace(Guarded, "{id:" + ConstraintName + "}", StringComparison.Ordinal)),
            route.Order)
        {
            DisplayName = $"{route.DisplayName} (malformed id)",
        };
        foreach (var item in route.Metadata.Where(m => m is IHttpMethodMetadata or IAuthorizeData or IAllowAnonymous or AuthorizationPolicy or IAuthorizationRequirementData or IdKind))
        {
            builder.Metadata.Add(item);
        }

        builder.Metadata.Add(new ExcludeFromDescriptionAttribute());
        return (RouteEndpoint)builder.Build();
    }

    /// <summary>Matches a route value that is not a UUID: <c>{id:notguid}</c>.</summary>
    public sealed class NotGuidConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && !Guid.TryParse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), out _);
    }
}
