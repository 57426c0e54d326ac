using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Components.Pages;

/// <summary>
/// A task filed by hand from the task list (an operator's "New task"), as <c>POST tasks/</c> would create it: the same
/// engine call, rules and assignment. On success the task's page opens.
/// </summary>
public sealed partial class Tasks
{
    private NewTaskForm? newTask;

    private void OpenNewTask() => newTask = new NewTaskForm();

    private async Task CreateTaskAsync()
    {
        if (newTask is null)
        {
            return;
        }

        var title = newTask.Title.Trim();
        if (title.Length is 0 or > WorkItemEndpoints.MaxTitle)
        {
            Snackbar.Add($"A task needs a title of 1 to {WorkItemEndpoints.MaxTitle} characters.", Severity.Warning);
            return;
        }

        var environment = string.IsNullOrWhiteSpace(newTask.Environment) ? null : newTask.Environment.Trim();
        if (environment is { Length: > 50 })
        {
            Snackbar.Add("The environment is at most 50 characters.", Severity.Warning);
            return;
        }

        var spec = new NewWorkItem
        {
            Title = title,
            Description = newTask.Description.Trim(),
            Kind = newTask.Kind,
            Priority = newTask.Priority,
            Environment = environment,
            AutoAssign = newTask.AutoAssign,
        };
        WorkItem? created = null;
        await ActAsync(async () => created = await Engine.CreateAsync(spec, await ActorAsync(), CancellationToken.None), reload: false);
        if (created is not null)
        {
            Snackbar.Clear(); // the warnings of earlier tries are answered
            Snackbar.Add($"Created '{created.Title}'.", Severity.Success);
            newTask = null;
            Navigation.NavigateTo($"tasks/{created.Id}");
        }
    }

    private sealed class NewTaskForm
    {
        public string Title { get; set; } = "";
        public string Description { get; set; } = "";
        public WorkItemKind Kind { get; set; } = WorkItemKind.BugFix;
        public WorkItemPriority Priority { get; set; } = WorkItemPriority.Medium;
        public string Environment { get; set; } = "";
        public bool AutoAssign { get; set; } = true;
    }
}
