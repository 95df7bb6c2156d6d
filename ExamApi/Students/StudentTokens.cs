using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ExamApi.Students;

/// <summary>
/// Student bearer tokens: the expiry (Unix seconds), the student id and an HMAC-SHA256 of both, base64url. Verifying
/// reads no storage, and every replica shares the key (<c>Exam:StudentKey</c>), so a token works on any of them.
/// </summary>
internal sealed class StudentTokens
{
    /// <summary>A token's lifetime unless the issuer asks for another.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>The longest lifetime a token can be issued with: a leaked token cannot be revoked, only outlived.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>The longest student id (as the students endpoints accept).</summary>
    public const int MaxStudentIdLength = 100;

    private const int ExpiryBytes = 8;
    private const int MacBytes = 32;

    // A 100-character id is at most 400 UTF-8 bytes; anything longer is not a token and is not decoded.
    private const int MaxTokenLength = 1024;

    private readonly byte[] key;
    private readonly TimeProvider clock;

    /// <summary>Creates the signer; the key must be at least 32 bytes.</summary>
    public StudentTokens(byte[] key, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32) throw new ArgumentException("The student signing key must be at least 32 bytes.", nameof(key));
        this.key = key.ToArray();
        this.clock = clock;
    }

    /// <summary>A token for <paramref name="studentId"/> valid until <paramref name="expiresAt"/> (whole seconds).</summary>
    public string Issue(string studentId, DateTimeOffset expiresAt)
    {
        var id = Encoding.UTF8.GetBytes(studentId);
        var token = new byte[ExpiryBytes + id.Length + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, expiresAt.ToUnixTimeSeconds());
        id.CopyTo(token, ExpiryBytes);
        HMACSHA256.HashData(key, token.AsSpan(0, ExpiryBytes + id.Length), token.AsSpan(ExpiryBytes + id.Length));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The student the token was issued for, or null when it is malformed, forged, tampered with or expired.</summary>
    public string? Verify(string token)
    {
        // TryDecodeFromChars only reports a short destination; malformed input has to be ruled out first or it throws.
        if (token.Length > MaxTokenLength || !Base64Url.IsValid(token, out var length) || length <= ExpiryBytes + MacBytes) return null;
        Span<byte> bytes = stackalloc byte[length];
        Base64Url.DecodeFromChars(token, bytes);

        var signed = bytes[..(length - MacBytes)];
        Span<byte> expected = stackalloc byte[MacBytes];
        HMACSHA256.HashData(key, signed, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.Slice(length - MacBytes, MacBytes))) return null;

        // The signature holds, so the rest is as this class wrote it.
        var expiresAt = BinaryPrimitives.ReadInt64BigEndian(signed);
        if (clock.GetUtcNow().ToUnixTimeSeconds() >= expiresAt) return null;
        return Encoding.UTF8.GetString(signed[ExpiryBytes..]);
    }
}
