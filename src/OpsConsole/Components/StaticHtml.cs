using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace OpsConsole.Components;

/// <summary>
/// Components rendered to HTML outside any circuit (the shared dashboard, the theme stylesheets): one DI scope and one
/// <see cref="HtmlRenderer"/> per batch, disposed after it, since an HtmlRenderer keeps every root component it
/// rendered until then.
/// </summary>
public sealed class StaticHtml : IAsyncDisposable
{
    private readonly AsyncServiceScope scope;
    private readonly HtmlRenderer renderer;

    public StaticHtml(IServiceScopeFactory scopes, ILoggerFactory loggers)
    {
        scope = scopes.CreateAsyncScope();
        renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
    }

    /// <summary>Runs a batch on the renderer's dispatcher, where <see cref="RenderAsync{TComponent}"/> must be called.</summary>
    public Task<T> InvokeAsync<T>(Func<Task<T>> batch) => renderer.Dispatcher.InvokeAsync(batch);

    public async Task<string> RenderAsync<TComponent>(IDictionary<string, object?> parameters) where TComponent : IComponent =>
        (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString();

    public async ValueTask DisposeAsync()
    {
        await renderer.DisposeAsync();
        await scope.DisposeAsync();
    }
}
