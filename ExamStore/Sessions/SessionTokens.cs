using System.Buffers.Text;
using System.Runtime.InteropServices;
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
        Span<byte> signed = stackalloc byte[SignedLength];
        Sign(sessionId, signed);
        return Base64Url.EncodeToString(signed);
    }

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="sessionId"/>.</summary>
    public bool Verify(Guid sessionId, ReadOnlySpan<char> token)
    {
        if (token.IsEmpty || token.Length > 128) return false;
        // Every request with a token is checked, so the expected token is built on the stack rather than as a string.
        Span<byte> signed = stackalloc byte[SignedLength];
        Sign(sessionId, signed);
        Span<char> expected = stackalloc char[TokenLength];
        Base64Url.EncodeToChars(signed, expected);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(token));
    }

    /// <summary>
    /// The session a genuine token was issued for, or null (for callers that have the token but not the session id,
    /// such as a rate limiter keyed by session).
    /// </summary>
    public Guid? SessionOf(ReadOnlySpan<char> token)
    {
        // Checked before decoding: malformed input makes the decoder throw.
        if (token.IsEmpty || token.Length > 128 || !Base64Url.IsValid(token, out var length) || length != SignedLength) return null;
        Span<byte> bytes = stackalloc byte[SignedLength];
        Base64Url.DecodeFromChars(token, bytes);
        var sessionId = new Guid(bytes[..16]);
        return Verify(sessionId, token) ? sessionId : null;
    }

    // The session id's 16 bytes followed by their 32-byte HMAC.
    private const int SignedLength = 16 + 32;

    // Base64url without padding: 48 bytes are exactly 64 characters.
    private const int TokenLength = SignedLength / 3 * 4;

    private void Sign(Guid sessionId, Span<byte> signed)
    {
        sessionId.TryWriteBytes(signed);
        HMACSHA256.HashData(_key, signed[..16], signed[16..]);
    }
}
