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
}
