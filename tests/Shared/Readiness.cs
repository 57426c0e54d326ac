namespace OpsConsole.Tests;

/// <summary>Waits for a console started as a child process to answer /readyz (the integration tests' nodes, the browser tests' server).</summary>
internal static class Readiness
{
    /// <param name="exited">The process's exit code once it has exited (then waiting stops at once), otherwise null.</param>
    /// <param name="output">The process's last output, for the failure.</param>
    public static async Task WaitAsync(Uri baseAddress, string name, Func<int?> exited, Func<string> output, TimeSpan within, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(async () =>
        {
            if (exited() is { } code)
            {
                throw new InvalidOperationException($"{name} exited with code {code} while starting:\n{output()}");
            }

            try
            {
                using var response = await http.GetAsync("readyz", cancellationToken);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false; // listening but still starting
            }
        }, $"{name} to be ready on {baseAddress}", within, output, cancellationToken);
    }
}
