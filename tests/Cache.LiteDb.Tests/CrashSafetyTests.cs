using System.Globalization;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class CrashSafetyTests : IDisposable
{
    private const int BatchSize = 150;

    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void KillDuringBatchedWrites_Reopen_HoldsExactlyACommittedPrefix()
    {
        var random = new Random(2026);
        long acknowledged = 0;

        for (var round = 0; round < 5; round++)
        {
            // Each round resumes the same file, so later rounds also kill across LiteDB
            // checkpoints (every ~1000 journal pages) and reopen files that were killed before.
            var stopAfter = acknowledged + random.Next(5, 120);
            using (var child = ChildRunner.Start("stream", DbPath, BatchSize.ToString(CultureInfo.InvariantCulture)))
            {
                while (acknowledged < stopAfter)
                {
                    var line = child.ReadLine();
                    Assert.StartsWith("committed ", line, StringComparison.Ordinal);
                    acknowledged = long.Parse(line["committed ".Length..], CultureInfo.InvariantCulture);
                }

                // The child is already inside a later write when this lands.
                child.KillHard();

                // Acknowledgements still in the pipe count too: the child printed them after the write completed.
                foreach (var line in child.ReadRemainingOutput().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (line.StartsWith("committed ", StringComparison.Ordinal) &&
                        long.TryParse(line["committed ".Length..], CultureInfo.InvariantCulture, out var n))
                    {
                        acknowledged = Math.Max(acknowledged, n);
                    }
                }
            }

            using var cache = TestCaches.Open(DbPath);
            Assert.Null(cache.Info.RecoveredFrom);
            Assert.True(cache.ChangeSequence >= acknowledged,
                $"round {round}: write {acknowledged} was acknowledged but the file ends at {cache.ChangeSequence}");
            // At most the one write that was running when the kill landed may be there unacknowledged.
            Assert.True(cache.ChangeSequence <= acknowledged + 1,
                $"round {round}: file holds write {cache.ChangeSequence}, more than one past the acknowledged {acknowledged}");
            StreamWrites.Verify(cache, BatchSize);
            acknowledged = cache.ChangeSequence;
        }
    }
}
