using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace OpsConsole.Data;

/// <summary>
/// A query compiled once (<c>EF.CompileAsyncQuery</c>) for the hot paths that run it thousands of times a minute (an
/// agent's reports, the task detail it is answered with): it skips building the LINQ expression, parameterising it and
/// looking it up in EF Core's query cache on every call. A compiled query binds to the first model it runs on and refuses
/// any other; each app has a model of its own (its key ring is in the encrypted columns' converters), and a process can
/// host several apps (the tests do), so there is one compiled query per model.
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<TQuery> compile) where TQuery : Delegate
{
    private readonly ConditionalWeakTable<IModel, TQuery> byModel = new();
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback create = _ => compile();

    /// <summary>The query compiled for <paramref name="db"/>'s model.</summary>
    public TQuery For(DbContext db) => byModel.GetValue(db.Model, create);
}
