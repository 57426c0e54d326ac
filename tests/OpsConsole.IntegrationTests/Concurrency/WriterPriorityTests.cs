using System.Runtime.InteropServices;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Tests;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Every write waits on the SQLite writer's one thread, so it runs ahead of the request threads (nice −5) wherever the OS
/// lets a process raise a thread (root, CAP_SYS_NICE, RLIMIT_NICE), and at the process's priority where it does not; the
/// request threads stay at the process's own.
/// </summary>
public sealed class WriterPriorityTests
{
    private const string WriterThread = "SQLite writer";

    [Fact]
    public async Task The_writer_thread_runs_ahead_of_the_request_threads_where_the_OS_allows_it()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await admin.CreateTaskAsync("written by the writer thread", autoAssign: false);

        // Other tests' apps run in this process too: a writer thread just started says its name a moment before it asks for
        // its priority, so every writer is waited for rather than read once.
        var expected = MayRaiseAThread() ? -5 : 0;
        await Eventually.TrueAsync(
            () => Threads().Where(t => t.Name == WriterThread).All(t => t.Nice == expected),
            $"every SQLite writer thread at nice {expected}",
            detail: () => string.Join(", ", Threads().Where(t => t.Name == WriterThread).Select(t => t.Nice)));

        var threads = Threads();
        Assert.Contains(threads, t => t.Name == WriterThread);
        Assert.Contains(threads, t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal) && t.Nice == 0);
    }

    /// <summary>This process's threads, by name, with their nice values; a thread that ends while they are read is left out.</summary>
    private static List<(string Name, int Nice)> Threads()
    {
        var threads = new List<(string, int)>();
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                threads.Add((File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'), NiceOf(task)));
            }
            catch (IOException)
            {
                // the thread ended between the listing and the read
            }
        }

        return threads;
    }

    /// <summary>The nice value of a thread: field 19 of its stat line, counted after the name in parentheses (which may hold spaces).</summary>
    private static int NiceOf(string taskDirectory)
    {
        var stat = File.ReadAllText(Path.Combine(taskDirectory, "stat"));
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19 - 3]);
    }

    /// <summary>Whether this process may give one of its threads nice −5: tried on a thread of its own, which then ends.</summary>
    private static bool MayRaiseAThread()
    {
        var allowed = false;
        var probe = new Thread(() => allowed = SetPriority(0, CurrentThreadId(), -5) == 0);
        probe.Start();
        probe.Join();
        return allowed;
    }

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int CurrentThreadId();
}
