using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Cli;

/// <summary>The server answered with an error (4xx/5xx); <see cref="Detail"/> is its problem detail.</summary>
public sealed class ApiRefusedException(int status, string title, string detail, JsonObject? problem)
    : Exception($"{title} ({status}): {detail}")
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string Detail { get; } = detail;
    public JsonObject? Problem { get; } = problem;
}

/// <summary>No answer from the server at all: not running, wrong address, or the network is down.</summary>
public sealed class ServerUnreachableException(string url, string reason, Exception? inner = null)
    : Exception($"Cannot reach OpsConsole at {url}: {reason}", inner)
{
    public string Url { get; } = url;

    public string Advice =>
        $"Is the console running (dotnet run --project src/OpsConsole)? opsctl uses {CliEnvironment.UrlVariable} " +
        $"(default {CliEnvironment.DefaultUrl}); set it to the console's address, e.g. export {CliEnvironment.UrlVariable}=http://host:5080";
}

/// <summary>A small client of the REST API under /api/v1/orchestration/, with the wire's snake_case JSON.</summary>
public sealed class OpsApi : IDisposable
{
    public const string BasePath = "/api/v1/orchestration/";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Pretty = new(Json) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient http;

    public OpsApi(string url, string? bearer, HttpMessageHandler? handler = null)
    {
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"{CliEnvironment.UrlVariable} is '{url}'; it must be an http:// or https:// address such as {CliEnvironment.DefaultUrl}");
        }

        Url = url.TrimEnd('/');
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(baseUri, BasePath.TrimStart('/'));
        http.Timeout = TimeSpan.FromSeconds(30);
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("opsctl", typeof(OpsApi).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"));
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public string Url { get; }

    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonNode> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(Url, ex.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection refused (nothing listens there)",
                HttpRequestError.NameResolutionError => "the host name does not resolve",
                HttpRequestError.SecureConnectionError => "the TLS handshake failed",
                _ => ex.Message,
            }, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException(Url, $"no answer within {http.Timeout.TotalSeconds:F0} s", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw Refusal(response, text);
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                return new JsonObject();
            }

            try
            {
                return JsonNode.Parse(text) ?? new JsonObject();
            }
            catch (JsonException)
            {
                throw new ServerUnreachableException(Url, $"the answer to {method} {path} is not JSON; is {Url} really OpsConsole?");
            }
        }
    }

    private ApiRefusedException Refusal(HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        JsonObject? problem = null;
        try
        {
            problem = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var title = (string?)problem?["title"] ?? response.ReasonPhrase ?? "Error";
        var detail = (string?)problem?["detail"] ?? (string.IsNullOrWhiteSpace(text) ? "" : text.Trim());
        if (problem?["errors"] is JsonObject errors && errors.Count > 0 && string.IsNullOrEmpty(detail))
        {
            detail = string.Join("; ", errors.SelectMany(e => e.Value is JsonArray a ? a.Select(x => (string?)x) : [(string?)e.Value]));
        }

        detail = (response.StatusCode, detail) switch
        {
            (HttpStatusCode.Unauthorized, _) => $"{detail} The key or token was not accepted by {Url}: check {CliEnvironment.ApiKeyVariable} (or the agent token); it may have been revoked or rotated.".Trim(),
            (_, "") => $"{Url} answered {status} {response.ReasonPhrase}",
            _ => detail,
        };
        return new ApiRefusedException(status, title, detail, problem);
    }

    public void Dispose() => http.Dispose();
}
