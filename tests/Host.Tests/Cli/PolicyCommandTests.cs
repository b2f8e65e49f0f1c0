using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>`pluginmesh policy check|eval` against the real engine and the shipped scripts.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private const string FailureInput = """{"operation":"dial","target":"node-b","reason":"timeout","attempt":1,"elapsedMs":3,"alternatives":0}""";
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
    [InlineData("electRelay", "relay-election.js", """{"nodeLabel":null,"want":1,"segment":[{"peerId":"s","self":true,"reachability":"public","offers":false,"cores":4,"memoryMiB":3840,"uptimeSeconds":600,"load":0},{"peerId":"r","self":false,"reachability":"public","offers":true,"cores":8,"memoryMiB":7680,"uptimeSeconds":60,"load":0.2}]}""", "offer", false)]
    [InlineData("electRelay", "relay-election.js", """{"nodeLabel":"true","want":1,"segment":[{"peerId":"s","self":true,"reachability":"private","offers":false,"cores":1,"memoryMiB":512,"uptimeSeconds":5,"load":0}]}""", "offer", true)]
    [InlineData("shouldRetire", "retire.js", """{"node":"edge-2","silentSeconds":301,"apiConnected":false,"apiOfflineSeconds":900,"lastHeardVia":"connection","labels":{}}""", "retire", true)]
    [InlineData("shouldRetire", "retire.js", """{"node":"edge-2","silentSeconds":301,"apiConnected":true,"apiOfflineSeconds":0,"lastHeardVia":"connection","labels":{}}""", "retire", false)]
    public async Task Eval_NewHooks_ShippedScriptAnswers(string function, string file, string input, string field, bool expected)
    {
        var (code, output, err) = await AgentProcessTests.RunCli("policy", "eval", function, "--file", Shipped(file), "--input", input);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(expected, doc.RootElement.GetProperty(field).GetBoolean());
        Assert.False(doc.RootElement.TryGetProperty("fallback", out _));
    }

    [Theory]
    [InlineData("electRelay", """{"want":1,"segment":[{"peerId":"s","self":true,"reachability":"public","offers":false,"cores":4,"memoryMiB":3840,"load":0}]}""", "input.segment[0].uptimeSeconds: required field missing")]
    [InlineData("shouldRetire", """{"node":"edge-2","silentSeconds":"301","apiConnected":false,"apiOfflineSeconds":900,"lastHeardVia":"record"}""", "input.silentSeconds: expected a number, got a string")]
    public async Task Eval_NewHooks_BadInput_NamesTheField_ExitOne(string function, string input, string message)
    {
        var file = function == "electRelay" ? "relay-election.js" : "retire.js";
        var (code, _, err) = await AgentProcessTests.RunCli("policy", "eval", function, "--file", Shipped(file), "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("pluginmesh: " + message, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_RetireAnswerNotBoolean_PrintsDefaultAndWhy_ExitThree()
    {
        var file = _tmp.File("retire.js", "function shouldRetire(input) { return { retire: 'yes' }; }");
        var (code, output, err) = await AgentProcessTests.RunCli("policy", "eval", "shouldRetire", "--file", file, "--input",
            """{"node":"edge-2","silentSeconds":10,"apiConnected":false,"apiOfflineSeconds":900,"lastHeardVia":"mdns"}""");
        Assert.Equal(3, code);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("retire").GetBoolean());
        Assert.Contains("'retire' must be a boolean", doc.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("fallback: invalid-result", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PolicyCommands_ListEveryFunction()
    {
        foreach (var command in new[] { "check", "eval" })
        {
            var (code, output, err) = await AgentProcessTests.RunCli("policy", command, "--help");
            Assert.True(code == 0, err);
            Assert.Contains("rankRelays, onFailure, shouldResync, pickEndpoint, electRelay, shouldRetire", output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("relay-selection.js", "rankRelays")]
    [InlineData("failover.js", "onFailure")]
    [InlineData("resync.js", "shouldResync")]
    [InlineData("endpoint.js", "pickEndpoint")]
    [InlineData("relay-election.js", "electRelay")]
    [InlineData("retire.js", "shouldRetire")]
    public async Task Check_ShippedScripts_AreOk(string file, string function)
    {
        var (code, output, _) = await AgentProcessTests.RunCli("policy", "check", Shipped(file));
        Assert.Equal(0, code);
        Assert.Contains(function, output, StringComparison.Ordinal);
    }
}
