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
    private IReadOnlyDictionary<string, List<string>> newTaskErrors = Checked<NewWorkItem>.NoErrors;

    private void OpenNewTask()
    {
        newTaskErrors = Checked<NewWorkItem>.NoErrors;
        newTask = new NewTaskForm();
    }

    private string? NewTaskError(string field) => newTaskErrors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private async Task CreateTaskAsync()
    {
        if (newTask is null)
        {
            return;
        }

        // The same reading and checks as POST tasks/, so the form and the API refuse the same things with the same words.
        var request = WorkItemEditHandlers.NewTaskFromForm(new NewTaskBody(newTask.Title, WireFormat.Of(newTask.Kind), newTask.Description, WireFormat.Of(newTask.Priority),
            Environment: string.IsNullOrWhiteSpace(newTask.Environment) ? null : newTask.Environment.Trim(), AutoAssign: newTask.AutoAssign));
        newTaskErrors = request.Errors;
        if (request.Value is not { } spec)
        {
            Snackbar.Add("Not created: " + string.Join(" ", request.Messages), Severity.Warning);
            return;
        }

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
