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
