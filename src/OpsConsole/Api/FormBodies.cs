using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>A console form read as the body its REST route receives, so the page and the API accept and refuse the same things with the same messages.</summary>
public static class FormBodies
{
    /// <summary>Reads <paramref name="form"/> (round-tripped through text, so numbers and times read exactly as in a request body).</summary>
    public static Checked<T> Read<T>(JsonObject form, Func<JsonBody, T?> read)
        where T : class
    {
        var body = JsonBody.From(JsonNode.Parse(form.ToJsonString())!.AsObject());
        return Of(body, read(body));
    }

    /// <summary>What a reader made of <paramref name="body"/>: its value, or the errors it collected.</summary>
    public static Checked<T> Of<T>(FieldReader body, T? value)
        where T : class =>
        value is not null && body.IsValid ? Checked<T>.Valid(value) : Checked<T>.Invalid(body.Errors);
}
