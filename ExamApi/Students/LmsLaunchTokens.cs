using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExamApi.Students;

/// <summary>Where an LMS's launch tokens come from: the shared secret they are signed with, their issuer and audience.</summary>
/// <param name="SigningKey">The HS256 shared secret (its UTF-8 bytes are the key; at least 32 of them).</param>
/// <param name="Issuer">The <c>iss</c> every launch token must carry.</param>
/// <param name="Audience">The <c>aud</c> every launch token must carry (this exam service, as the LMS names it).</param>
internal sealed record LmsSettings(string SigningKey, string Issuer, string Audience);

/// <summary>
/// LMS launch tokens: JWTs signed HS256 with a secret shared with the LMS, naming the student in <c>sub</c>. Issuer,
/// audience, signature and expiry (<c>exp</c> is required) are all checked.
/// </summary>
internal sealed class LmsLaunchTokens
{
    // Clocks of the LMS and of the replicas disagree a little; a launch token lives minutes, so 30 s is plenty.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    // A launch token carries a few claims; a much longer string is not one and is not parsed.
    private const int MaxTokenLength = 4096;

    private readonly JsonWebTokenHandler handler = new();
    private readonly TokenValidationParameters parameters;

    public LmsLaunchTokens(LmsSettings settings)
    {
        parameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey)),
            // Only HS256: a token cannot choose another algorithm (or none) for itself.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
        };
    }

    /// <summary>The student (<c>sub</c>) of a valid launch token, or null.</summary>
    public async Task<string?> StudentOfAsync(string token)
    {
        if (token.Length > MaxTokenLength) return null;
        var result = await handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        var subject = jwt.Subject;
        return string.IsNullOrWhiteSpace(subject) || subject.Length > StudentTokens.MaxStudentIdLength ? null : subject;
    }
}
