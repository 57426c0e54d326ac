using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// Takes a request's body off the wire with a size limit: as the JSON object a handler reads field by field (strict UTF-8,
/// valid Unicode, bounded depth), or as the exact bytes a signature covers. What is wrong with it becomes a problem, never a 500.
/// </summary>
public static class RequestBody
{
    public const int MaxBytes = 1024 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body's JSON object (an empty one for an empty body when <paramref name="allowEmpty"/>), or the problem that says why not.</summary>
    public static async Task<(JsonObject? Json, RequestProblem? Problem)> ReadJsonObjectAsync(HttpRequest request, bool allowEmpty)
    {
        var (body, tooLarge) = await ReadBoundedAsync(request, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return (null, tooLarge);
        }

        string text;
        try
        {
            // A leading byte-order mark is not part of the JSON (as a StreamReader would have it).
            var bytes = body.GetBuffer().AsSpan(0, (int)body.Length);
            text = StrictUtf8.GetString(bytes.StartsWith(Utf8Bom) ? bytes[Utf8Bom.Length..] : bytes);
        }
        catch (DecoderFallbackException)
        {
            // Replacing the bad bytes would store something other than what was sent.
            return (null, Problems.Unreadable("The body is not valid UTF-8; send JSON encoded as UTF-8."));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return allowEmpty ? (new JsonObject(), null) : (null, Problems.Unreadable("The request needs a JSON object body."));
        }

        try
        {
            // Before the parse: its check for duplicate property names reads every name, and one with half a surrogate pair
            // throws there (an InvalidOperationException, not a JsonException).
            if (LoneSurrogateIn(text) is { } where)
            {
                return (null, Problems.Unreadable($"The body has text that is not valid Unicode ({where}: an escaped UTF-16 surrogate without its pair, such as \\ud800)."));
            }

            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
            return node is JsonObject obj
                ? (obj, null)
                : (null, Problems.Unreadable($"The body must be a JSON object, not {JsonKinds.Describe(node)}."));
        }
        catch (JsonException ex)
        {
            return (null, Problems.Unreadable($"The body is not valid JSON: {ex.Message}"));
        }
    }

    /// <summary>The raw body, byte for byte (a signature covers its exact bytes), at most <see cref="MaxBytes"/>.</summary>
    public static async Task<(byte[]? Bytes, RequestProblem? TooLarge)> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, tooLarge) = await ReadBoundedAsync(request, cancellationToken);
        return body is null ? (null, tooLarge) : (body.ToArray(), null);
    }

    /// <summary>
    /// The body in a buffer sized to what arrives (not to the limit: a few hundred bytes stay a few hundred bytes, and
    /// nothing lands on the large-object heap unless the client sent that much), or the 413 past <see cref="MaxBytes"/>.
    /// </summary>
    private static async Task<(MemoryStream? Body, RequestProblem? TooLarge)> ReadBoundedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBytes)
        {
            return (null, Problems.TooLarge(MaxBytes));
        }

        var body = new MemoryStream(request.ContentLength is { } length ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (body.Length + read > MaxBytes)
                {
                    return (null, Problems.TooLarge(MaxBytes));
                }

                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(MaxBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (body, null);
    }

    /// <summary>
    /// Where the JSON has a string escaping half of a surrogate pair (<c>"\\ud800"</c>): valid JSON syntax, but no text, and
    /// System.Text.Json refuses it only when the string is read, deep inside a handler. Null when every string is text.
    /// </summary>
    private static string? LoneSurrogateIn(string json)
    {
        if (!json.Contains("\\u", StringComparison.Ordinal))
        {
            return null;
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 64 });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return reader.TokenType == JsonTokenType.PropertyName ? "a property name" : $"a string at byte {reader.TokenStartIndex}";
                }
            }
        }

        return null;
    }
}
