using System.Runtime.InteropServices;
using OpsConsole.IntegrationTests.Infrastructure;

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

        var threads = Directory.GetDirectories("/proc/self/task").Select(t => (Name: File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n'), Nice: NiceOf(t))).ToList();
        var writers = threads.Where(t => t.Name == WriterThread).ToList();
        Assert.NotEmpty(writers);
        Assert.All(writers, w => Assert.Equal(MayRaiseAThread() ? -5 : 0, w.Nice));
        Assert.Contains(threads, t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal) && t.Nice == 0);
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
