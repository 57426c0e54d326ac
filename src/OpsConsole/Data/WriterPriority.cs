using System.Runtime.InteropServices;

namespace OpsConsole.Data;

/// <summary>
/// The SQLite writer's thread asks the OS for a higher scheduling priority than the rest of the process: every write of
/// every request waits on that one thread, so when the cores are busy (requests, hub messages, a co-located client) a turn
/// it loses to a request thread holds up all of them. Measured with <c>agents 20 1000 8</c> on 2 cores: about 20% more tasks
/// a second and a lower <c>POST tasks/</c> p99 (docs/benchmarks.md). Linux only, best effort: a nice value below 0 needs
/// <c>CAP_SYS_NICE</c> or an <c>RLIMIT_NICE</c> that allows it (root, <c>docker run --cap-add SYS_NICE</c>, systemd's
/// <c>LimitNICE=</c>); without either the writer runs at the process's priority, as every other thread. Only this thread
/// is raised (Linux's nice is per thread); a thread-pool worker that happens to be started from it inherits the value.
/// </summary>
internal static class WriterPriority
{
    /// <summary>
    /// The nice value asked for: a CFS weight about three times a normal thread's. Alternating on 2 cores, −5 gave the most
    /// tasks a second (−10 starved the threads that bring the writer its work and answer the callers in slow spells).
    /// </summary>
    public const int Nice = -5;

    private const int PriorityOfProcess = 0; // PRIO_PROCESS: on Linux, "who" may be one thread's id

    /// <summary>Raises the calling thread's priority, and says whether the OS allowed it.</summary>
    public static void RaiseCurrentThread(ILogger logger)
    {
        if (TryRaiseCurrentThread())
        {
            DataLog.WriterPriorityRaised(logger, Nice);
        }
        else
        {
            DataLog.WriterPriorityUnchanged(logger, Nice);
        }
    }

    private static bool TryRaiseCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return SetPriority(PriorityOfProcess, CurrentThreadId(), Nice) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int CurrentThreadId();
}
