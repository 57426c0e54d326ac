namespace OpsConsole.Data;

/// <summary>A write waiting in the queue: what it runs, who asked for it, and how its caller hears the outcome.</summary>
public sealed partial class SqliteWriteQueue
{
    private interface IQueuedWrite
    {
        CancellationToken CancellationToken { get; }

        /// <summary>What runs once after the writes of the group that asked for it, in the same commit (null: nothing).</summary>
        WriteOperation<int>? Tail { get; }

        /// <summary>The tail's outcome for this write, once committed: what it returned, or null when it was refused.</summary>
        void TailDone(int? result);

        Task<Exception?> RunAsync(OpsDbContext db, DateTime now);

        void Committed();

        void Failed(Exception ex);
    }

    private sealed class QueuedWrite<T>(WriteOperation<T> operation, WriteOperation<int>? tail, (Domain.Actor Actor, string? Ip)? author, CancellationToken cancellationToken) : IQueuedWrite
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<int?> tailCompletion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Result => completion.Task;

        public Task<int?> TailResult => tailCompletion.Task;

        /// <summary>What the operation returned in its last run (read before the commit, for a tail).</summary>
        public T? Ran => result;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public WriteOperation<int>? Tail { get; } = tail;

        public void TailDone(int? tailResult) => tailCompletion.TrySetResult(tailResult);

        public async Task<Exception?> RunAsync(OpsDbContext db, DateTime now)
        {
            // The author of the write is whoever queued it (the audit reads it while saving).
            AuditContext.Restore(author);
            try
            {
                result = await operation(db, now);
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
            finally
            {
                AuditContext.Clear();
            }
        }

        public void Committed() => completion.TrySetResult(result!);

        public void Failed(Exception ex)
        {
            tailCompletion.TrySetResult(null);
            if (ex is OperationCanceledException)
            {
                completion.TrySetCanceled(CancellationToken);
            }
            else
            {
                completion.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// The writes waiting, in two lanes: new work first, then updates, each in the order queued. A plain lock: the writer
    /// takes from it between writes, the callers add to it, and each holds it for a queue operation only.
    /// </summary>
    private sealed class Lanes
    {
        private readonly Queue<IQueuedWrite>[] queues = [new(), new()]; // by WriteLane: NewWork, Updates
        private bool completed;

        /// <summary>False once <see cref="Complete"/> was called: the app is stopping.</summary>
        public bool TryAdd(IQueuedWrite write, WriteLane lane)
        {
            lock (queues)
            {
                if (completed)
                {
                    return false;
                }

                queues[(int)lane].Enqueue(write);
                Monitor.Pulse(queues);
                return true;
            }
        }

        /// <summary>Waits for a write, from <paramref name="first"/> when both lanes have one; false when the queue is completed and empty.</summary>
        public bool Take(WriteLane first, out IQueuedWrite write, out WriteLane lane)
        {
            lock (queues)
            {
                while (true)
                {
                    foreach (var next in (ReadOnlySpan<WriteLane>)[first, first == WriteLane.NewWork ? WriteLane.Updates : WriteLane.NewWork])
                    {
                        lane = next;
                        if (queues[(int)lane].TryDequeue(out write!))
                        {
                            return true;
                        }
                    }

                    if (completed)
                    {
                        (write, lane) = (null!, first);
                        return false;
                    }

                    Monitor.Wait(queues);
                }
            }
        }

        public bool TryTake(WriteLane lane, out IQueuedWrite write)
        {
            lock (queues)
            {
                return queues[(int)lane].TryDequeue(out write!);
            }
        }

        public int Waiting(WriteLane lane)
        {
            lock (queues)
            {
                return queues[(int)lane].Count;
            }
        }

        /// <summary>Adds nothing more; the writer takes what is left, then stops.</summary>
        public void Complete()
        {
            lock (queues)
            {
                completed = true;
                Monitor.PulseAll(queues);
            }
        }
    }
}
