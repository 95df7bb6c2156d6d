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

    /// <summary>The body as <typeparamref name="T"/>, or the 400 that explains why it could not be read.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes) return (null, TooLarge());
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBytes;

        var buffer = new ArrayBufferWriter<byte>(1024);
        try
        {
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
                if (read == 0) break;
                buffer.Advance(read);
                if (buffer.WrittenCount > MaxBytes) return (null, TooLarge());
            }
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }

        if (buffer.WrittenCount == 0) return (null, ExamProblems.Invalid("body", "The request needs a JSON body."));
        // Syntax first, so that broken JSON is blamed on the body rather than on the field the reader stopped in.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.WrittenMemory);
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
