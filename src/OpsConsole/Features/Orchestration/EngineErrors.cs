namespace OpsConsole.Features.Orchestration;

/// <summary>A request the engine refuses; the API turns it into problem details with this status code.</summary>
public class EngineRefusedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static EngineRefusedException NotFound(string what, Guid id) => new(StatusCodes.Status404NotFound, $"{what} {id} was not found");

    public static EngineRefusedException Conflict(string message) => new(StatusCodes.Status409Conflict, message);

    public static EngineRefusedException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static EngineRefusedException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);
}
