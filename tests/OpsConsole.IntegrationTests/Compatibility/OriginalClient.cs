using System.Net.Http.Headers;
using System.Text;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Compatibility;

/// <summary>
/// A client of the original as it really calls: DRF's <c>Authorization: Token &lt;key&gt;</c>, <c>Accept: application/json</c>, and
/// bodies as the JSON text its frontend and scripts send (no snake_case serializer of ours in between).
/// </summary>
public static class OriginalClient
{
    public static HttpClient Create(OpsConsoleFactory app)
    {
        var client = app.CreateClientWithToken(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", OpsConsoleFactory.BootstrapKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public static Task<HttpResponseMessage> PostTextAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
}
