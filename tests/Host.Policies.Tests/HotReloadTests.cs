using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Changes on disk are picked up while running; bad versions never replace good ones.</summary>
public sealed class HotReloadTests : IDisposable
{
    private static readonly FailureInput Failure = new("dial", "node-b", "refused", 1, 12, 0);

    private readonly TempPolicyDir _dir = new();

    private static string Failover(int delay) => $"function onFailure(input) {{ return {{ action: 'giveup', delayMs: {delay} }}; }}";

    [Fact]
    public void Reload_SyntaxError_KeepsLastGoodVersionAndReportsLine()
    {
        _dir.Write("failover.js", Failover(11));
        using var engine = _dir.CreateEngine();
        engine.Reload();
        var good = Status(engine).ActiveVersion;

        _dir.Write("failover.js", "function onFailure(input) {\n  return { action: 'retry', delayMs: 1 \n}\n}}");
        engine.Reload();

        var status = Status(engine);
        Assert.Equal(good, status.ActiveVersion);
        Assert.Equal("script", status.Using);
        Assert.Matches(@"failover\.js:4:\d+: SyntaxError", status.LastError);
        Assert.Equal(1, status.Errors);
        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 11), engine.OnFailure(Failure));
    }

    [Theory]
    [InlineData("missing function", "function somethingElse() {}", "does not define function onFailure")]
    [InlineData("top level throws", "var x = null;\nx.boom();\nfunction onFailure(input) { return { action: 'retry', delayMs: 1 }; }", "failover.js:2:")]
    [InlineData("top level loops", "while (true) {}\nfunction onFailure(input) { return { action: 'retry', delayMs: 1 }; }", "statement limit")]
    [InlineData("function is not callable", "var onFailure = 42;", "does not define function onFailure")]
    public void Reload_RejectedVersion_LastGoodStaysActive(string scenario, string script, string expectedError)
    {
        _dir.Write("failover.js", Failover(12));
        using var engine = _dir.CreateEngine();
        engine.Reload();

        _dir.Write("failover.js", script);
        engine.Reload();

        var status = Status(engine);
        Assert.True(status.Using == "script", scenario);
        Assert.Contains(expectedError, status.LastError, StringComparison.Ordinal);
        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 12), engine.OnFailure(Failure));
    }

    [Fact]
    public void Reload_BadFirstVersion_DefaultAnswers()
    {
        _dir.Write("failover.js", "function onFailure(input) {");
        using var engine = _dir.CreateEngine();
        engine.Reload();

        var status = Status(engine);
        Assert.Equal("default", status.Using);
        Assert.Null(status.ActiveVersion);
        Assert.Contains("failover.js:1:", status.LastError, StringComparison.Ordinal);
        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure));
    }

    [Fact]
    public void Reload_FileRemoved_DefaultAnswers()
    {
        _dir.Write("failover.js", Failover(13));
        using var engine = _dir.CreateEngine();
        engine.Reload();
        _dir.Delete("failover.js");
        engine.Reload();

        Assert.Equal("default", Status(engine).Using);
        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure));
    }

    [Fact]
    public void Reload_UnchangedContent_NotReloaded()
    {
        _dir.Write("failover.js", Failover(14));
        using var engine = _dir.CreateEngine();
        engine.Reload();
        _dir.Write("failover.js", Failover(14));
        engine.Reload();

        Assert.Equal(1, Status(engine).Reloads);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Start_FileEdited_PickedUpWhileRunning(bool watchFileSystem)
    {
        _dir.Write("failover.js", Failover(21));
        using var engine = _dir.CreateEngine(o => o with { WatchFileSystem = watchFileSystem, PollInterval = TimeSpan.FromMilliseconds(200) });
        engine.Start();
        Assert.Equal(21, engine.OnFailure(Failure).DelayMs);

        _dir.Write("failover.js", Failover(22));
        Eventually.True(() => engine.OnFailure(Failure).DelayMs == 22, "edited failover.js to answer 22");

        _dir.Write("failover.js", "function onFailure( {");
        Eventually.True(() => Status(engine).LastError is not null, "syntax error reported");
        Assert.Equal(22, engine.OnFailure(Failure).DelayMs);
        Assert.Equal(2, Status(engine).Reloads);
    }

    [Fact]
    public void Start_FileCreatedAfterStart_PickedUp()
    {
        using var engine = _dir.CreateEngine(o => o with { PollInterval = TimeSpan.FromMilliseconds(200) });
        engine.Start();
        Assert.Equal("default", Status(engine).Using);

        _dir.Write("failover.js", Failover(23));
        Eventually.True(() => engine.OnFailure(Failure).DelayMs == 23, "new failover.js loaded");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Start_ConfigMapSymlinkSwap_PickedUp(bool watchFileSystem)
    {
        // The layout the kubelet gives a mounted ConfigMap: versioned folder, ..data symlink, file symlinks.
        WriteConfigMapVersion("..2026_11_26_00_00_01.000000001", Failover(31));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "..data"), "..2026_11_26_00_00_01.000000001");
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "failover.js"), Path.Combine("..data", "failover.js"));
        using var engine = _dir.CreateEngine(o => o with { WatchFileSystem = watchFileSystem, PollInterval = TimeSpan.FromMilliseconds(200) });
        engine.Start();
        Assert.Equal(31, engine.OnFailure(Failure).DelayMs);

        // The update: a new versioned folder, a temporary symlink to it, renamed over ..data (atomic).
        WriteConfigMapVersion("..2026_11_26_00_05_00.000000002", Failover(32));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "..data_tmp"), "..2026_11_26_00_05_00.000000002");
        RenameOver(Path.Combine(_dir.Path, "..data_tmp"), Path.Combine(_dir.Path, "..data"));
        Directory.Delete(Path.Combine(_dir.Path, "..2026_11_26_00_00_01.000000001"), recursive: true);

        Eventually.True(() => engine.OnFailure(Failure).DelayMs == 32, "ConfigMap swap to the version answering 32");
        Assert.Equal(2, Status(engine).Reloads);
        Assert.Equal("script", Status(engine).Using);
    }

    [Theory]
    [InlineData("relay-election")]
    [InlineData("retire")]
    public void Start_HookFileCreatedEditedRemoved_FollowedWhileRunning(string hook)
    {
        // Both answer a boolean; the input is one where the default answers false.
        var (file, function, field, ask) = hook switch
        {
            "relay-election" => ("relay-election.js", "electRelay", "offer",
                (Func<PolicyEngine, bool>)(e => e.ElectRelay(new RelayElectionInput(null, 1, [Inputs.Member("s", self: true, reachability: "private")])).Offer)),
            _ => ("retire.js", "shouldRetire", "retire", (Func<PolicyEngine, bool>)(e => e.ShouldRetire(Inputs.Silent(10)).Retire)),
        };
        string Script(bool answer) => $"function {function}(input) {{ return {{ {field}: {(answer ? "true" : "false")} }}; }}";
        PolicyScriptStatus HookStatus(PolicyEngine e) => e.Status.Single(s => s.Name == hook);
        using var engine = _dir.CreateEngine(o => o with { PollInterval = TimeSpan.FromMilliseconds(200) });
        engine.Start();
        Assert.Equal("default", HookStatus(engine).Using);
        Assert.False(ask(engine));

        _dir.Write(file, Script(true));
        Eventually.True(() => ask(engine), $"new {file} answering true loaded");

        _dir.Write(file, Script(false));
        Eventually.True(() => HookStatus(engine).Reloads == 2, $"edited {file} loaded");
        Assert.Equal("script", HookStatus(engine).Using);
        Assert.False(ask(engine));

        _dir.Write(file, Script(true) + "\n}");
        Eventually.True(() => HookStatus(engine).LastError is not null, "syntax error reported");
        Assert.False(ask(engine)); // the last good version still answers

        _dir.Delete(file);
        Eventually.True(() => HookStatus(engine).Using == "default", $"{file} removed");
        Assert.False(ask(engine));
    }

    [Fact]
    public void Dispose_WhileWatching_StopsAndDefaultsAnswer()
    {
        _dir.Write("failover.js", Failover(41));
        var engine = _dir.CreateEngine(o => o with { PollInterval = TimeSpan.FromMilliseconds(100) });
        engine.Start();
        engine.Dispose();
        engine.Reload();

        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure));
        Assert.All(engine.Status, s => Assert.Equal("default", s.Using));
    }

    public void Dispose() => _dir.Dispose();

    private void WriteConfigMapVersion(string folder, string failover)
    {
        var path = Path.Combine(_dir.Path, folder);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "failover.js"), failover);
    }

    // rename(2) of a symlink over a symlink, as the kubelet does; File.Move refuses links to folders
    // and Directory.Move refuses an existing target, so use mv -T (no-target-directory).
    private static void RenameOver(string source, string target)
    {
        var start = new System.Diagnostics.ProcessStartInfo("mv") { RedirectStandardError = true };
        start.ArgumentList.Add("-T");
        start.ArgumentList.Add(source);
        start.ArgumentList.Add(target);
        using var mv = System.Diagnostics.Process.Start(start)!;
        var error = mv.StandardError.ReadToEnd();
        mv.WaitForExit();
        Assert.True(mv.ExitCode == 0, "mv -T failed: " + error);
        Assert.Equal("..2026_11_26_00_05_00.000000002", new FileInfo(target).LinkTarget);
    }

    private static PolicyScriptStatus Status(PolicyEngine engine) => engine.Status.Single(s => s.Name == "failover");
}
