using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Cli.Worker;

/// <summary>
/// The steering messages of the task the command runs, one JSON object per line (<c>{task_id, id, text, author}</c>) in the
/// file named by <c>OPSCONSOLE_MESSAGES_FILE</c>: those sent before the run started, then each one as it arrives over the
/// hub. A message is written once, however often it is heard.
/// </summary>
internal sealed class MessagesFile : IDisposable
{
    private readonly ConcurrentDictionary<string, bool> written = new();
    private readonly Lock gate = new();

    public MessagesFile(string taskId)
    {
        TaskId = taskId;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"opsconsole-messages-{taskId}-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(Path, "");
    }

    public string TaskId { get; }

    public string Path { get; }

    /// <summary>Appends <paramref name="message"/> (the hub's TaskMessage, or an entry of GET tasks/{id}/messages/) unless it is there already.</summary>
    public void Append(JsonNode message)
    {
        var id = (string?)message["id"];
        if (id is null || !written.TryAdd(id, true))
        {
            return;
        }

        var line = new JsonObject
        {
            ["task_id"] = TaskId,
            ["id"] = id,
            ["text"] = (string?)message["text"],
            ["author"] = (string?)message["author"],
        }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        lock (gate)
        {
            File.AppendAllText(Path, line + "\n");
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}
