using System.Security.Cryptography;
using ExamStore.Sessions;

namespace ExamStore.Tests;

/// <summary>Session tokens: the exact text clients hold, and which tokens verify.</summary>
public sealed class SessionTokenTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(b => (byte)b).ToArray();
    private static readonly SessionTokens Tokens = new(Key);

    [Theory]
    [InlineData("0193a6f2-7c4d-7e1b-9f3a-5c2e8d4b6a10", "8qaTAU18G36fOlwujUtqEKN0XO8oFL-U83zBa3qK_LOqP_SUTOZ0w_KnAmSjXC2M")]
    // Bytes whose base64 has '+' and '/' (and padding): base64url turns them into '-' and '_' and drops the padding.
    [InlineData("fbffbfff-ffff-ffff-fbff-bfffffffffff", "_7__-______7_7_______0_BIbnAXEOriCVEoZQoAj_AMNNySsXWwDpauIZNXcXk")]
    public void TokensAreTheIdAndItsHmacInBase64Url(string sessionId, string token)
    {
        var id = Guid.Parse(sessionId);
        Assert.Equal(token, Tokens.Issue(id));
        Assert.True(Tokens.Verify(id, token));
        Assert.Equal(id, Tokens.SessionOf(token));
    }

    [Fact]
    public void TokensMatchTheirFirstEncoding()
    {
        for (var k = 0; k < 1_000; k++)
        {
            var id = Guid.NewGuid();
            Assert.Equal(FirstEncoding(id), Tokens.Issue(id));
        }
    }

    [Fact]
    public void OnlyTheExactTokenOfTheSessionVerifies()
    {
        var id = Guid.Parse("0193a6f2-7c4d-7e1b-9f3a-5c2e8d4b6a10");
        var token = Tokens.Issue(id);

        Assert.False(Tokens.Verify(Guid.NewGuid(), token));
        Assert.False(Tokens.Verify(id, (string?)null));
        Assert.False(Tokens.Verify(id, ""));
        Assert.False(Tokens.Verify(id, token.AsSpan()[..^1]));
        Assert.False(Tokens.Verify(id, token + "A"));
        Assert.False(Tokens.Verify(id, token + "="));
        Assert.False(Tokens.Verify(id, token[..^1] + (token[^1] == 'M' ? 'N' : 'M')));
        Assert.False(Tokens.Verify(id, token[..^1] + "é"));
        Assert.False(Tokens.Verify(id, new string('A', 129)));
        Assert.False(Tokens.Verify(id, new SessionTokens(new byte[32]).Issue(id)));
        Assert.Null(Tokens.SessionOf(new SessionTokens(new byte[32]).Issue(id)));
        Assert.Null(Tokens.SessionOf("not a token"));
    }

    // How tokens were first encoded (base64, padding trimmed, URL-safe characters): clients hold tokens made so.
    private static string FirstEncoding(Guid id)
    {
        var bytes = id.ToByteArray();
        var signed = bytes.Concat(HMACSHA256.HashData(Key, bytes)).ToArray();
        return Convert.ToBase64String(signed).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
