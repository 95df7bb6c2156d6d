using ExamStore.HotState;

namespace ExamStore.Tests;

/// <summary>Redis key layout of a session: one cluster slot per session, small keys, an evenly sharded activity index.</summary>
public sealed class SessionKeyTests
{
    [Fact]
    public void StateAndLockKeysShareTheSessionHashTagAndFitRedisSmallAllocation()
    {
        var id = Guid.CreateVersion7();
        var state = SessionStateStore.StateKey(id);
        var lockKey = SessionStateStore.LockKey(id);

        Assert.True(state.Length <= 28, $"{state} is {state.Length} characters: over 28 Redis allocates 48 bytes for the key");
        Assert.Equal(HashTag(state), HashTag(lockKey));
        Assert.NotEqual(HashTag(state), HashTag(SessionStateStore.StateKey(Guid.CreateVersion7())));
        Assert.Matches("^ex:\\{[A-Za-z0-9_-]{22}\\}$", state);
    }

    [Theory]
    [InlineData("0193a6f2-7c4d-7e1b-9f3a-5c2e8d4b6a10", "ex:{8qaTAU18G36fOlwujUtqEA}")]
    // Bytes whose base64 has '+' and '/': the key uses base64url's '-' and '_'.
    [InlineData("fbffbfff-ffff-ffff-fbff-bfffffffffff", "ex:{_7__-______7_7_______w}")]
    public void KeysAreTheIdInBase64UrlInsideTheHashTag(string sessionId, string stateKey)
    {
        // Redis holds live sessions under these exact keys: a different spelling would orphan them.
        Assert.Equal(stateKey, SessionStateStore.StateKey(Guid.Parse(sessionId)));
        Assert.Equal(stateKey + ":lock", SessionStateStore.LockKey(Guid.Parse(sessionId)));
    }

    [Fact]
    public void KeysMatchTheirFirstSpelling()
    {
        for (var k = 0; k < 1_000; k++)
        {
            var id = Guid.NewGuid();
            var keyId = Convert.ToBase64String(id.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            Assert.Equal($"ex:{{{keyId}}}", SessionStateStore.StateKey(id));
            Assert.Equal($"ex:{{{keyId}}}:lock", SessionStateStore.LockKey(id));
        }
    }

    [Fact]
    public void ActivityEntriesRoundTripAndSpreadOverEveryShard()
    {
        var counts = new int[SessionStateStore.ActivityShards];
        for (var k = 0; k < 25_600; k++)
        {
            var id = Guid.CreateVersion7();
            var (key, member) = SessionStateStore.ActivityEntry(id);
            Assert.Equal(id, SessionStateStore.SessionIdOf(member));
            counts[SessionStateStore.ActivityIndexKeys.ToList().IndexOf(key)]++;
        }

        // Version 7 ids begin with a timestamp; the shard must come from their random part, so no shard is crowded.
        Assert.All(counts, count => Assert.InRange(count, 40, 180));
    }

    private static string HashTag(string key) => key[(key.IndexOf('{') + 1)..key.IndexOf('}')];
}
