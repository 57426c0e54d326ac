using Bunit;
using Microsoft.AspNetCore.Components.Rendering;
using OpsConsole.Components;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>How every live page follows changes: at once, and a storm as a few reloads rather than one per change.</summary>
public sealed class LiveComponentTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void A_change_shows_at_once_and_a_storm_right_after_it_is_one_more_reload_a_quarter_second_later()
    {
        var page = context.Render<CountingPage>();
        page.WaitForAssertion(() => Assert.Equal("loads: 1", page.Markup), Patience);

        // A quiet page shows the first change without waiting (time does not move here).
        context.PublishLive(new WorkItemChanged(Guid.NewGuid()));
        page.WaitForAssertion(() => Assert.Equal("loads: 2", page.Markup), Patience);

        // 500 changes right after it: shown together once the quarter second since the last reload is over.
        for (var i = 0; i < 500; i++)
        {
            context.PublishLive(new WorkItemChanged(Guid.NewGuid()));
        }

        Assert.Equal("loads: 2", page.Markup);
        context.Time.Advance(LiveComponent.Coalesce);
        page.WaitForAssertion(() => Assert.Equal("loads: 3", page.Markup), Patience);

        context.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("loads: 3", page.Markup);
    }

    [Fact]
    public void A_page_ignores_the_changes_it_does_not_show()
    {
        var page = context.Render<CountingPage>(p => p.Add(c => c.OnlyAgents, true));
        page.WaitForAssertion(() => Assert.Equal("loads: 1", page.Markup), Patience);

        context.PublishLive(new WorkItemChanged(Guid.NewGuid()));
        context.PublishLive(new AgentChanged(Guid.NewGuid()));

        page.WaitForAssertion(() => Assert.Equal("loads: 2", page.Markup), Patience);
        context.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("loads: 2", page.Markup);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();

    /// <summary>A live page that shows how many times it has read its data.</summary>
    private sealed class CountingPage : LiveComponent
    {
        private int loads;

        [Microsoft.AspNetCore.Components.Parameter] public bool OnlyAgents { get; set; }

        protected override bool IsRelevant(DomainEvent domainEvent) => !OnlyAgents || domainEvent is AgentChanged;

        protected override Task LoadAsync()
        {
            loads++;
            return Task.CompletedTask;
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddContent(0, $"loads: {loads}");
    }
}
