using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ExamApi.Tests;

/// <summary>
/// Sends a burst of identical POSTs that are all in flight at once, whatever the machine's speed: each goes with
/// <c>Expect: 100-continue</c>, and the bodies are held back until every request has either been refused (it never
/// asks for its body) or been let through to a handler (which asks for its body, so Kestrel sends 100 Continue). The
/// requests let through then hold their place in any in-flight limit until all others are answered; a burst sent
/// plainly could finish each request before the next arrives and never reach the limit.
/// </summary>
public static class HeldBurst
{
    public static async Task<ApiResponse[]> PostAsync(Uri baseAddress, string path, string body, string token, int count)
    {
        // A refusal can take longer than the default 1 s to come back on a loaded machine; until it does, the client
        // must not start sending the body (that would count the request as let through).
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { BaseAddress = baseAddress };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settled = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        var sends = settled.Select(async mark =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new HeldContent(Encoding.UTF8.GetBytes(body), mark, release.Task) };
            request.Headers.ExpectContinue = true;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var message = await http.SendAsync(request);
            mark.TrySetResult();
            return await ApiResponse.ReadAsync(message);
        }).ToList();

        await Task.WhenAll(settled.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        release.SetResult();
        return await Task.WhenAll(sends);
    }

    // The body, sent only once released; asking for it marks the request as let through.
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] body;
        private readonly TaskCompletionSource asked;
        private readonly Task released;

        public HeldContent(byte[] body, TaskCompletionSource asked, Task released)
        {
            (this.body, this.asked, this.released) = (body, asked, released);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            asked.TrySetResult();
            await released;
            await stream.WriteAsync(body);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
