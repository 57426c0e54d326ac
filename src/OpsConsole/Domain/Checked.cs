namespace OpsConsole.Domain;

/// <summary>
/// A console form read by the same reader as the REST route that takes the same thing: the value, or what is wrong with it
/// by field, in the words the API answers with (the page shows them next to its fields).
/// </summary>
public sealed record Checked<T>(T? Value, IReadOnlyDictionary<string, List<string>> Errors)
    where T : class
{
    public static readonly IReadOnlyDictionary<string, List<string>> NoErrors = new Dictionary<string, List<string>>();

    /// <summary>Every message, in field order.</summary>
    public IEnumerable<string> Messages => Errors.SelectMany(e => e.Value);

    public static Checked<T> Valid(T value) => new(value, NoErrors);

    public static Checked<T> Invalid(IReadOnlyDictionary<string, List<string>> errors) => new(null, errors);
}
