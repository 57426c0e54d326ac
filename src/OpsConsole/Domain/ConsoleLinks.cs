namespace OpsConsole.Domain;

/// <summary>
/// The console's addresses as people reach it (<c>OpsConsole:PublicUrl</c>), for the links that messages elsewhere (GitHub
/// issues and comments, notifications) carry back to it.
/// </summary>
public sealed record ConsoleLinks(string PublicUrl)
{
    public string Task(Guid taskId) => $"{PublicUrl.TrimEnd('/')}/tasks/{taskId}";
}
