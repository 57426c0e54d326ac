using System.Collections.Concurrent;

namespace OpsConsole.Hosting;

/// <summary>
/// Hands out one logger per category. Serilog's factory builds a new logger (and its property caches) on every
/// <c>CreateLogger</c>, and EF Core asks for its loggers again for every DbContext: several per request, each one
/// allocated, enriched and thrown away. Loggers are thread-safe; the set of categories is small and fixed.
/// </summary>
public sealed class CachedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the registered <see cref="ILoggerFactory"/> (call after the logging provider is added).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CachedLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(sp),
            { ImplementationType: { } type } => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type),
            _ => throw new InvalidOperationException("The logger factory's registration has no implementation."),
        }));
    }
}
