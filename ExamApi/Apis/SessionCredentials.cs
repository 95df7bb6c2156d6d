using ExamApi.Extensions;
using ExamStore.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExamApi.Apis;

/// <summary>
/// Who may touch a session: the holder of its bearer token (an HMAC of the session id, checked before any storage is
/// read, so a wrong token looks the same whether or not the session exists), or an administrator with the
/// <c>X-Api-Key</c> header (<see cref="AdminKey"/>).
/// </summary>
internal static class SessionCredentials
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>Parses a session id from a request field; null when it is not a GUID.</summary>
    public static Guid? ParseSessionId(string? value) => Guid.TryParse(value, out var id) && id != Guid.Empty ? id : null;

    /// <summary>The 400 for a session id that is missing or not a GUID.</summary>
    public static ProblemHttpResult InvalidSessionId() => ExamProblems.Invalid("sessionId", "sessionId must be a GUID.");

    /// <summary>True when the request carries the session's token as <c>Authorization: Bearer …</c>.</summary>
    public static bool HoldsToken(HttpRequest request, ExamSessionService exams, Guid sessionId) =>
        TryGetBearerToken(request, out var token) && exams.Authorize(sessionId, token);

    /// <summary>True when the request carries the token <paramref name="tokens"/> issued for the (practice) session.</summary>
    public static bool HoldsToken(HttpRequest request, SessionTokens tokens, Guid sessionId) =>
        TryGetBearerToken(request, out var token) && tokens.Verify(sessionId, token);

    /// <summary>The 401 for a missing, malformed or wrong token: one fixed body, so it tells nothing about the session.</summary>
    public static ProblemHttpResult TokenRequired(HttpContext context, string issuedBy = "POST /api/adaptive/start") => Unauthorized(context,
        $"This request needs the session's token (Authorization: Bearer <token>, as returned by {issuedBy}).");

    /// <summary>The 401 for a request that needs the session's token or the administrator key and has neither.</summary>
    public static ProblemHttpResult TokenOrAdminKeyRequired(HttpContext context) => Unauthorized(context,
        $"This request needs the session's token (Authorization: Bearer <token>) or the administrator key ({AdminKey.HeaderName}).");

    /// <summary>
    /// Checks, before the handler runs, that the <c>sessionId</c> of the route (or query) is a session id and that the
    /// request holds that session's token (or, when <paramref name="administratorMayRead"/>, the administrator key);
    /// the handler then parses the id it is given without checking again.
    /// </summary>
    public static RouteHandlerBuilder RequireSessionToken(this RouteHandlerBuilder builder, string issuedBy = "POST /api/adaptive/start", bool administratorMayRead = false) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var raw = http.Request.RouteValues.TryGetValue("sessionId", out var routed) ? routed as string : http.Request.Query["sessionId"].ToString();
            if (ParseSessionId(raw) is not { } sessionId) return InvalidSessionId();
            if (HoldsToken(http.Request, http.RequestServices.GetRequiredService<SessionTokens>(), sessionId)) return await next(context);
            if (!administratorMayRead) return TokenRequired(http, issuedBy);
            return http.RequestServices.GetRequiredService<AdminKey>().IsPresentedBy(http.Request) ? await next(context) : TokenOrAdminKeyRequired(http);
        });

    /// <summary>The credential of an <c>Authorization: Bearer …</c> header, or null without one.</summary>
    public static string? BearerToken(HttpRequest request) => TryGetBearerToken(request, out var token) ? token.ToString() : null;

    /// <summary>
    /// The credential of an <c>Authorization: Bearer …</c> header as a slice of the header, for checks that need no
    /// string of it (every answer's token is checked twice: by the rate limiter and by the handler).
    /// </summary>
    public static bool TryGetBearerToken(HttpRequest request, out ReadOnlySpan<char> token)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = default;
            return false;
        }
        token = value.AsSpan(BearerPrefix.Length).Trim();
        return true;
    }

    private static ProblemHttpResult Unauthorized(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
    }
}
