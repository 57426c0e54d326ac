using System.Diagnostics;

namespace OpsConsole.Tests;

/// <summary>
/// Waits for what happens by itself (a background job, another process, a hub message, a file written): asks every 50 ms,
/// returns as soon as the answer is there, and fails after a generous ceiling with a message naming what was awaited. The
/// ceiling is not a budget the product must meet (a busy 2-core CI machine may take many times as long as a quiet one, and a
/// wait that succeeds returns at once, so a generous ceiling costs nothing); a test that cares how long something took logs it.
/// Linked into every test project and the benchmarks.
/// </summary>
internal static class Eventually
{
    /// <summary>How long a wait lasts unless the caller says otherwise.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Asks <paramref name="probe"/> until it finds something and returns that. An exception from the probe ends the wait at
    /// once (a probe throws when waiting longer cannot help, e.g. the process it waits for has exited).
    /// </summary>
    /// <param name="what">What is awaited, as the failure says it: "the worker to connect".</param>
    /// <param name="within">The ceiling; <see cref="Patience"/> by default.</param>
    /// <param name="detail">What to add to the failure to explain it (a process's output, the state last seen).</param>
    public static async Task<T> FindAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null, Func<string>? detail = null, CancellationToken cancellationToken = default)
        where T : class
    {
        var ceiling = within ?? Patience;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (waited.Elapsed > ceiling)
            {
                throw new TimeoutException($"waited {ceiling.TotalSeconds:0.#} s for {what}" + (detail is null ? "" : $"\n{detail()}"));
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }

    /// <summary>Asks <paramref name="condition"/> until it holds.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, Func<string>? detail = null, CancellationToken cancellationToken = default) =>
        FindAsync(async () => await condition() ? what : null, what, within, detail, cancellationToken);

    /// <summary>Checks <paramref name="condition"/> until it holds.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null, Func<string>? detail = null) =>
        FindAsync(() => Task.FromResult(condition() ? what : null), what, within, detail);
}
