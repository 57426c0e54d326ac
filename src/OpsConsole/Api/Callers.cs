using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Api;

/// <summary>Who sent a request, as the services take it.</summary>
public static class Callers
{
    public static Actor Caller(this HttpRequest request) => request.HttpContext.User.ToActor();
}
