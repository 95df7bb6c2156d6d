using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExamApi.Apis;

/// <summary>
/// Reads a small JSON request body itself instead of relying on parameter binding, so that every malformed body (bad
/// JSON, a wrong type, too large) becomes a 400 ProblemDetails that names the offending field.
/// </summary>
internal static class JsonRequestBody
{
    /// <summary>The largest body the exam endpoints accept; their requests are a few hundred bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    // Enough for every exam request in one read.
    private const int InitialBufferBytes = 4096;

    /// <summary>The body as <typeparamref name="T"/>, or the 400 that explains why it could not be read.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes) return (null, TooLarge());
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBytes;

        // A pooled buffer: these bodies come with every answer, and a fresh one per request was the largest allocation
        // of the answer path (it grew from 1 KB to 5 KB each time).
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            var length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                    if (read == 0) break;
                    length += read;
                    if (length > MaxBytes) return (null, TooLarge());
                }
            }
            catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, TooLarge());
            }

            return Parse<T>(buffer.AsMemory(0, length), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The document reads the pooled buffer in place, so it is parsed and dropped before the buffer goes back.
    private static (T? Value, ProblemHttpResult? Problem) Parse<T>(ReadOnlyMemory<byte> body, JsonSerializerOptions options)
        where T : class
    {
        if (body.Length == 0) return (null, ExamProblems.Invalid("body", "The request needs a JSON body."));
        // Syntax first, so that broken JSON is blamed on the body rather than on the field the reader stopped in.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return (null, ExamProblems.Invalid("body", "The request body is not valid JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return (null, ExamProblems.Invalid("body", "The request body must be a JSON object."));
            try
            {
                return (document.RootElement.Deserialize<T>(options), null);
            }
            catch (JsonException error)
            {
                var field = FieldOf(error.Path);
                return (null, ExamProblems.Invalid(field, $"'{field}' has the wrong type."));
            }
        }
    }

    // "$.maxItems" names the field; "$" (or no path) means the body as a whole.
    private static string FieldOf(string? path) =>
        path is null || path.Length <= 2 || !path.StartsWith("$.", StringComparison.Ordinal) ? "body" : path[2..];

    private static ProblemHttpResult TooLarge() =>
        ExamProblems.Invalid("body", $"The request body exceeds {MaxBytes} bytes.");
}
