using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Components;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>
/// The one way a page acts (<see cref="LiveComponent"/>'s ActAsync): its buttons are disabled while the action runs, a refusal
/// is said as a warning (or where the page shows it) and never takes the page down, and the page reads again what it shows.
/// </summary>
public sealed class PageActionTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private IReadOnlyList<Snackbar> Shown => [.. context.Services.GetRequiredService<ISnackbar>().ShownSnackbars];

    [Fact]
    public async Task While_an_action_runs_its_button_is_disabled_and_afterwards_the_page_reads_again()
    {
        var action = new TaskCompletionSource();
        var page = context.Render<ActingPage>(p => p.Add(c => c.Action, () => action.Task));
        page.WaitForAssertion(() => Assert.Contains("loads: 1", page.Markup), Patience);

        var clicked = page.Find("button").ClickAsync(new());

        page.WaitForAssertion(() => Assert.True(page.Find("button").HasAttribute("disabled")), Patience);
        Assert.Contains("loads: 1", page.Markup);
        action.SetResult();
        await clicked;
        page.WaitForAssertion(() => Assert.False(page.Find("button").HasAttribute("disabled")), Patience);
        Assert.Contains("loads: 2", page.Markup);
        Assert.Contains("went through: True", page.Markup);
        Assert.Empty(Shown);
    }

    [Fact]
    public async Task A_refusal_is_said_as_a_warning_and_the_button_works_again()
    {
        var page = context.Render<ActingPage>(p => p.Add(c => c.Action, () => throw RefusedException.Conflict("The task is already completed; nothing to retry.")));
        page.WaitForAssertion(() => Assert.Contains("loads: 1", page.Markup), Patience);

        await page.Find("button").ClickAsync(new());

        var warning = Assert.Single(Shown);
        Assert.Equal("The task is already completed; nothing to retry.", warning.Message);
        Assert.Equal(Severity.Warning, warning.Severity);
        page.WaitForAssertion(() => Assert.False(page.Find("button").HasAttribute("disabled")), Patience);
        Assert.Contains("went through: False", page.Markup);
        Assert.Contains("loads: 2", page.Markup);
    }

    [Fact]
    public async Task A_page_that_shows_refusals_itself_gets_the_refusal_and_no_warning()
    {
        var page = context.Render<ActingPage>(p => p
            .Add(c => c.Action, () => throw RefusedException.BadRequest("task.priority must be one of low, medium, high, critical, emergency"))
            .Add(c => c.ShowsRefusalsItself, true));
        page.WaitForAssertion(() => Assert.Contains("loads: 1", page.Markup), Patience);

        await page.Find("button").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Contains("error: task.priority must be one of", page.Markup), Patience);
        Assert.Empty(Shown);
    }

    [Fact]
    public async Task What_is_not_a_refusal_is_not_swallowed_and_the_page_is_not_left_busy()
    {
        var page = context.Render<ActingPage>(p => p.Add(c => c.Action, () => throw new InvalidOperationException("a bug")));
        page.WaitForAssertion(() => Assert.Contains("loads: 1", page.Markup), Patience);

        await Assert.ThrowsAsync<InvalidOperationException>(() => page.Find("button").ClickAsync(new()));

        Assert.Empty(Shown);
        page.Render();
        Assert.False(page.Find("button").HasAttribute("disabled"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();

    /// <summary>A live page with one button that runs <see cref="Action"/> through the pages' helper.</summary>
    private sealed class ActingPage : LiveComponent
    {
        private int loads;
        private bool? wentThrough;
        private string? error;

        [Parameter] public Func<Task> Action { get; set; } = () => Task.CompletedTask;

        [Parameter] public bool ShowsRefusalsItself { get; set; }

        protected override bool IsRelevant(DomainEvent domainEvent) => false;

        protected override Task LoadAsync()
        {
            loads++;
            return Task.CompletedTask;
        }

        private async Task ClickAsync() =>
            wentThrough = await ActAsync(Action, refused: ShowsRefusalsItself ? ex => error = ex.Message : null);

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "disabled", Busy);
            builder.AddAttribute(2, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, ClickAsync));
            builder.AddContent(3, "Act");
            builder.CloseElement();
            builder.AddContent(4, $"loads: {loads}; went through: {wentThrough}; error: {error}");
        }
    }
}
