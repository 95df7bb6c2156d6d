using System.Security.Cryptography;

namespace ExamStore.Sessions;

/// <summary>
/// Session bearer tokens: the session id and an HMAC-SHA256 of it, base64url. Verifying needs no database read, and a
/// token for one session cannot be turned into a token for another.
/// </summary>
public sealed class SessionTokens
{
    private readonly byte[] _key;

    /// <summary>Creates the signer; the key must be at least 32 bytes and shared by every API replica.</summary>
    public SessionTokens(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32) throw new ArgumentException("The session signing key must be at least 32 bytes.", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>The token for a session.</summary>
    public string Issue(Guid sessionId)
    {
        Span<byte> buffer = stackalloc byte[16 + 32];
        sessionId.TryWriteBytes(buffer);
        HMACSHA256.HashData(_key, buffer[..16], buffer[16..]);
        return Base64Url(buffer);
    }

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="sessionId"/>.</summary>
    public bool Verify(Guid sessionId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128) return false;
        var expected = Issue(sessionId);
        return CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(token));
    }

    /// <summary>
    /// The session a genuine token was issued for, or null (for callers that have the token but not the session id,
    /// such as a rate limiter keyed by session).
    /// </summary>
    public Guid? SessionOf(string? token)
    {
        // Checked before decoding: malformed input makes the decoder throw.
        if (string.IsNullOrEmpty(token) || token.Length > 128 || !System.Buffers.Text.Base64Url.IsValid(token, out var length) || length != 16 + 32) return null;
        Span<byte> bytes = stackalloc byte[16 + 32];
        System.Buffers.Text.Base64Url.DecodeFromChars(token, bytes);
        var sessionId = new Guid(bytes[..16]);
        return Verify(sessionId, token) ? sessionId : null;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
