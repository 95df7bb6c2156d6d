using System.Buffers;
using System.IO.Pipelines;
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

    /// <summary>The body as <typeparamref name="T"/>, or the 400 that explains why it could not be read.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes) return (null, TooLarge());
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBytes;

        // The whole body (or one byte past the limit) in the server's own pooled buffers: these bodies come with every
        // answer, and copying each into a fresh array was the largest allocation of the answer path.
        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync(MaxBytes + 1, cancellationToken);
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }

        try
        {
            return read.Buffer.Length > MaxBytes ? (null, TooLarge()) : Parse<T>(read.Buffer, options);
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }

    // The document reads the server's buffers in place, so it is parsed and dropped before they are released.
    private static (T? Value, ProblemHttpResult? Problem) Parse<T>(ReadOnlySequence<byte> body, JsonSerializerOptions options)
        where T : class
    {
        if (body.IsEmpty) return (null, ExamProblems.Invalid("body", "The request needs a JSON body."));
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
