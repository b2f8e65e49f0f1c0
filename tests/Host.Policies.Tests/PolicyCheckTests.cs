namespace PluginMesh.Host.Policies.Tests;

public sealed class PolicyCheckTests : IDisposable
{
    private readonly TempPolicyDir _dir = new();

    [Fact]
    public void Check_FileDefiningSeveralFunctions_ListsThem()
    {
        var file = _dir.Write("combined.js", """
            function rankRelays(input) { return { relays: [] }; }
            function pickEndpoint(input) { return { index: 0 }; }
            function helper() {}
            """);

        var result = PolicyCheck.Check(file);

        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Equal(["rankRelays", "pickEndpoint"], result.Functions);
    }

    [Fact]
    public void Check_SyntaxError_ReportsFileLineColumn()
    {
        var file = _dir.Write("failover.js", "function onFailure(input) {\n  return { action: 'retry' delayMs: 1 };\n}\n");

        var result = PolicyCheck.Check(file);

        Assert.False(result.Ok);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(file + ":2:", error, StringComparison.Ordinal);
        Assert.Contains("SyntaxError", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TopLevelThrows_ReportsLine()
    {
        var file = _dir.Write("resync.js", "var a = 1;\nundefinedThing.call();\nfunction shouldResync(input) { return { resync: true, delayMs: 0 }; }\n");

        var result = PolicyCheck.Check(file);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith(file + ":2:1:", error, StringComparison.Ordinal);
        Assert.Contains("undefinedThing is not defined", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PolicyFileWithoutItsFunction_ReportsIt()
    {
        var file = _dir.Write("failover.js", "function pickEndpoint(input) { return { index: 0 }; }");

        var result = PolicyCheck.Check(file);

        Assert.Equal(["pickEndpoint"], result.Functions);
        Assert.Contains(result.Errors, e => e.Contains("does not define function onFailure", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_NoKnownFunction_ReportsIt()
    {
        var result = PolicyCheck.Check(_dir.Write("other.js", "function nothing() {}"));

        Assert.Empty(result.Functions);
        Assert.Contains("defines none of the policy functions", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MissingFile_ReportsIt()
    {
        var result = PolicyCheck.Check(Path.Combine(_dir.Path, "absent.js"));

        Assert.Contains("cannot read", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
