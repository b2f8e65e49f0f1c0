using System.Globalization;
using System.Text.RegularExpressions;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

/// <summary>
/// The real syscalls, seen by strace(1) on a child process that writes with each <c>sync</c> mode:
/// which file is fsynced, and how often. This is also how LiteDB's own behaviour was established:
/// it writes the journal with pwrite64 and never fsyncs it (only the data file, at checkpoints).
/// </summary>
public sealed partial class FsyncSyscallTests : IDisposable
{
    private const int Writes = 60;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Os_LiteDbAloneNeverFsyncsItsJournal()
    {
        var (journalSyncs, _, journalWrites) = Trace("os", 50);

        Assert.Equal(0, journalSyncs);
        Assert.True(journalWrites >= Writes, $"{journalWrites} journal writes for {Writes} commits");
    }

    [Fact]
    public void Always_FsyncsTheJournalAfterEveryWrite()
    {
        var (journalSyncs, _, _) = Trace("always", 50);

        // One writer at a time: one fsync per write (the one at open finds no journal yet).
        Assert.True(journalSyncs >= Writes, $"{journalSyncs} journal fsyncs for {Writes} writes");
    }

    [Fact]
    public void Periodic_FsyncsTheJournalOnTheTimerOnly()
    {
        var (journalSyncs, writeMs, _) = Trace("periodic", 500);

        // The child waits two intervals after its last write, so the timer fired at least once
        // with something to sync; and never more than once per interval.
        var most = (writeMs / 500) + 3;
        Assert.True(journalSyncs >= 1 && journalSyncs <= most, $"{journalSyncs} journal fsyncs; expected 1..{most} for {writeMs} ms of writes");
    }

    /// <summary>Runs the child under strace; returns fsyncs and pwrites of cache-log.db and how long the writes took.</summary>
    private (int JournalSyncs, long WriteMs, int JournalWrites) Trace(string sync, int intervalMs)
    {
        var strace = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "strace")).FirstOrDefault(File.Exists);
        Assert.True(strace is not null, "strace is not installed (build/test-deps.sh installs it)");
        var db = _dir.File("cache.db");
        var trace = _dir.File("strace.txt");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var (code, output, error) = Shell.Exec(strace!, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,pwrite64", "-o", trace,
            dotnet, typeof(FsyncSyscallTests).Assembly.Location, "write", db,
            Writes.ToString(CultureInfo.InvariantCulture), sync, intervalMs.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, $"child exited {code}: {error}");
        var done = DoneLine().Match(output);
        Assert.True(done.Success, "child output: " + output);

        var journal = _dir.File("cache-log.db");
        var lines = File.ReadAllLines(trace);
        var syncs = lines.Count(l => SyncCall().IsMatch(l) && l.Contains($"<{journal}>", StringComparison.Ordinal));
        var writes = lines.Count(l => l.Contains("pwrite64(", StringComparison.Ordinal) && l.Contains($"<{journal}>", StringComparison.Ordinal));
        return (syncs, long.Parse(done.Groups[1].Value, CultureInfo.InvariantCulture), writes);
    }

    [GeneratedRegex(@"wrote \d+ in (\d+) ms")]
    private static partial Regex DoneLine();

    [GeneratedRegex(@"\b(fsync|fdatasync)\(")]
    private static partial Regex SyncCall();
}
