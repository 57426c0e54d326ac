using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Redactor on adversarial text (a unit repeated to 2,000, 20,000, 200,000… characters, a secret at the end): the time per
/// size, the best of three runs. Linear time grows ten times per step; the former patterns grew a hundred times.
/// </summary>
public static class RedactTiming
{
    private static readonly (string Name, string Unit, string Secret)[] Texts =
    [
        ("a.", "a.", " password=hunter2"),
        ("a-", "a-", " password=hunter2"),
        ("word run", "a", " password=hunter2"),
        ("password-", "password-", "=hunter2"),
        ("password.", "password.", "a=1"),
        ("= and :", "=:", " api_key: abc123"),
        ("eyJ-", "eyJ-", " eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        ("scheme a.", "a.", "://deploy:hunter2@github.com"),
        ("-----BEGIN ", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"),
        ("bearer ", "bearer ", "bearer 0123456789abcdefXYZ"),
    ];

    public static void Run(int largest)
    {
        var sizes = new List<int>();
        for (var size = 2_000; size <= largest; size *= 10)
        {
            sizes.Add(size);
        }

        Console.WriteLine($"{"text",-14}" + string.Concat(sizes.Select(s => $"{s,14:N0}")));
        foreach (var (name, unit, secret) in Texts)
        {
            Console.WriteLine($"{name,-14}" + string.Concat(sizes.Select(size =>
            {
                var text = Repeat(unit, size) + secret;
                return $"{Best(() => Redactor.Redact(text)),11:F2} ms";
            })));
        }

        Console.WriteLine($"{"json names",-14}" + string.Concat(sizes.Select(size =>
        {
            var json = new JsonObject { [Repeat("a.", size) + "password"] = "hunter2", [Repeat("password", size) + ".a"] = Repeat("a-", size) }.ToJsonString();
            return $"{Best(() => Redactor.RedactJson(json)),11:F2} ms";
        })));
    }

    private static string Repeat(string unit, int size) => new StringBuilder(size + unit.Length).Insert(0, unit, Math.Max(1, size / unit.Length)).ToString();

    private static double Best(Func<string?> redact)
    {
        redact();
        var best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            redact();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return best;
    }
}
