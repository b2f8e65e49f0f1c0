using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>`pluginmesh policy check|eval` against the real engine and the shipped scripts.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private const string FailureInput = """{"operation":"dial","target":"node-b","reason":"refused","attempt":1,"elapsedMs":3,"alternatives":0}""";
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string Shipped(string name) => Path.Combine(TestPaths.RepoRoot, "policies", name);

    [Fact]
    public async Task Eval_ShippedScript_PrintsItsAnswer()
    {
        var (code, output, _) = await AgentProcessTests.RunCli("policy", "eval", "onFailure", "--file", Shipped("failover.js"), "--input", FailureInput);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("retry", doc.RootElement.GetProperty("action").GetString());
        Assert.False(doc.RootElement.TryGetProperty("fallback", out _));
    }

    [Theory]
    // Under load the time limit may trip before the statement limit; either is the sandbox stopping it.
    [InlineData("function onFailure(i) { while (true) {} }", "limit exceeded")]
    [InlineData("function onFailure(i) { return { action: 'explode', delayMs: 0 }; }", "action")]
    [InlineData("function onFailure(i) { throw new Error('nope'); }", "nope")]
    public async Task Eval_BrokenScript_PrintsFallbackAndWhy_ExitThree(string script, string reason)
    {
        var file = _tmp.File("failover.js", script);
        var (code, output, err) = await AgentProcessTests.RunCli("policy", "eval", "onFailure", "--file", file, "--input", FailureInput);
        Assert.Equal(3, code);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("fallback").GetBoolean());
        Assert.Contains(reason, doc.RootElement.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("fallback:", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_BadInput_NamesTheField_ExitOne()
    {
        var (code, _, err) = await AgentProcessTests.RunCli("policy", "eval", "onFailure", "--file", Shipped("failover.js"), "--input", """{"operation":"dial"}""");
        Assert.Equal(1, code);
        Assert.Contains("pluginmesh:", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SyntaxError_ListsItWithPosition_ExitOne()
    {
        var file = _tmp.File("relay-selection.js", "function rankRelays(input) {\n  return [;\n}");
        var (code, output, _) = await AgentProcessTests.RunCli("policy", "check", file);
        Assert.Equal(1, code);
        Assert.Contains("relay-selection.js:2", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relay-selection.js", "rankRelays")]
    [InlineData("failover.js", "onFailure")]
    [InlineData("resync.js", "shouldResync")]
    [InlineData("endpoint.js", "pickEndpoint")]
    public async Task Check_ShippedScripts_AreOk(string file, string function)
    {
        var (code, output, _) = await AgentProcessTests.RunCli("policy", "check", Shipped(file));
        Assert.Equal(0, code);
        Assert.Contains(function, output, StringComparison.Ordinal);
    }
}
