namespace PluginMesh.Host.Policies.Tests;

public sealed class PolicyEvaluatorTests : IDisposable
{
    private const string RelayInput = """
        {"want":2,"candidates":[
          {"peerId":"a","rttMs":30,"recentFailures":0,"load":0.5,"source":"config","labels":{}},
          {"peerId":"b","rttMs":null,"recentFailures":0,"load":0,"source":"mdns","labels":{"pluginmesh.io/relay":"preferred"}},
          {"peerId":"c","recentFailures":4,"load":0,"source":"directory"}
        ]}
        """;

    private const string ElectionInput = """
        {"nodeLabel":null,"want":1,"segment":[
          {"peerId":"s","self":true,"reachability":"public","offers":false,"cores":4,"memoryMiB":3840,"uptimeSeconds":86400,"load":0},
          {"peerId":"r","self":false,"reachability":"public","offers":true,"cores":8,"memoryMiB":7680,"uptimeSeconds":3600,"load":0.95},
          {"peerId":"n","self":false,"reachability":"private","offers":false,"cores":16,"memoryMiB":15872,"uptimeSeconds":60,"load":0}
        ]}
        """;

    private readonly TempPolicyDir _dir = new();

    [Fact]
    public void Evaluate_ShippedRelaySelection_ReturnsScriptJson()
    {
        var result = PolicyEvaluator.Evaluate("rankRelays", Path.Combine(Repo.PoliciesDirectory, "relay-selection.js"), RelayInput, Options());

        Assert.False(result.Fallback);
        Assert.Equal("""{"relays":["b","a"]}""", result.Json);
    }

    [Theory]
    [InlineData("onFailure", "failover.js", """{"operation":"holepunch","target":"n","reason":"timeout","attempt":2,"elapsedMs":5,"alternatives":0}""", """{"action":"retry","delayMs":2000}""")]
    [InlineData("shouldResync", "resync.js", """{"source":"kubernetes","trigger":"periodic","secondsSinceLastSync":100,"consecutiveFailures":0,"secondsOffline":0,"cachedObjects":3}""", """{"resync":false,"delayMs":500000}""")]
    [InlineData("pickEndpoint", "endpoint.js", """{"service":"ns/web","port":80,"clientIp":"10.0.0.1","candidates":[{"address":"a","nodeName":null,"local":false,"activeConnections":1,"recentFailures":0},{"address":"b","nodeName":"me","local":true,"activeConnections":4,"recentFailures":0}]}""", """{"index":1}""")]
    [InlineData("electRelay", "relay-election.js", ElectionInput, """{"offer":true}""")]
    [InlineData("electRelay", "relay-election.js", """{"want":1,"segment":[{"peerId":"a","self":true,"reachability":"public","offers":false,"cores":4,"memoryMiB":4096,"uptimeSeconds":10,"load":0}]}""", """{"offer":true}""")]
    [InlineData("shouldRetire", "retire.js", """{"node":"edge-7","silentSeconds":312.5,"apiConnected":false,"apiOfflineSeconds":340,"lastHeardVia":"mdns","labels":{"pluginmesh.io/tolerance-seconds":"600"}}""", """{"retire":false,"recheckSeconds":60}""")]
    [InlineData("shouldRetire", "retire.js", """{"node":"edge-7","silentSeconds":312.5,"apiConnected":false,"apiOfflineSeconds":340,"lastHeardVia":"mdns"}""", """{"retire":true}""")]
    public void Evaluate_ShippedScripts_ReturnScriptJson(string function, string file, string input, string expected)
    {
        var result = PolicyEvaluator.Evaluate(function, Path.Combine(Repo.PoliciesDirectory, file), input, Options());

        Assert.False(result.Fallback, result.Reason);
        Assert.Equal(expected, result.Json);
    }

    [Fact]
    public void Evaluate_InvalidAnswer_DefaultJsonWithFallbackAndReason()
    {
        var file = _dir.Write("failover.js", "function onFailure(input) { return { action: 'explode', delayMs: 0 }; }");

        var result = PolicyEvaluator.Evaluate("onFailure", file, """{"operation":"dial","target":"n","reason":"refused","attempt":1,"elapsedMs":5,"alternatives":2}""", Options());

        Assert.True(result.Fallback);
        Assert.StartsWith("""{"action":"next","delayMs":0,"fallback":true,"reason":"invalid-result: """, result.Json, StringComparison.Ordinal);
        Assert.Contains("'action' must be", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SyntaxError_DefaultJsonWithLoadReason()
    {
        var file = _dir.Write("endpoint.js", "function pickEndpoint(input) {");

        var result = PolicyEvaluator.Evaluate("pickEndpoint", file, """{"service":"s","port":1,"clientIp":"c","candidates":[{"address":"a","local":true,"activeConnections":0,"recentFailures":0}]}""", Options());

        Assert.True(result.Fallback);
        Assert.StartsWith("load: " + file + ":1:", result.Reason, StringComparison.Ordinal);
        Assert.StartsWith("""{"index":0,"fallback":true""", result.Json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"want":2}""", "input.candidates: required field missing")]
    [InlineData("""{"want":"2","candidates":[]}""", "input.want: expected a 32-bit integer, got a string")]
    [InlineData("""{"want":2,"candidates":[{"rttMs":1,"recentFailures":0,"load":0,"source":"x"}]}""", "input.candidates[0].peerId: required field missing")]
    [InlineData("""{"want":2,"candidates":[{"peerId":"a","rttms":1,"recentFailures":0,"load":0,"source":"x"}]}""", "input.candidates[0].rttms: unknown field")]
    [InlineData("""{"want":2,"candidates":[{"peerId":"a","recentFailures":0,"load":0,"source":"x","labels":{"k":1}}]}""", "input.candidates[0].labels.k: expected a string")]
    [InlineData("""[1]""", "input: expected an object, got an array")]
    [InlineData("""{"want":2,""", "rankRelays: input is not valid JSON")]
    public void Evaluate_InputNotMatchingRecord_ErrorNamesField(string input, string expected)
    {
        var ex = Assert.Throws<PolicyInputException>(() => PolicyEvaluator.Evaluate("rankRelays", Path.Combine(Repo.PoliciesDirectory, "relay-selection.js"), input, Options()));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"want":2}""", "input.segment: required field missing")]
    [InlineData("""{"nodeLabel":true,"want":2,"segment":[]}""", "input.nodeLabel: expected a string or null, got true")]
    [InlineData("""{"want":2,"segment":[{"peerId":"a","self":"yes","reachability":"public","offers":false,"cores":4,"memoryMiB":1,"uptimeSeconds":1,"load":0}]}""", "input.segment[0].self: expected true or false, got a string")]
    [InlineData("""{"want":2,"segment":[{"peerId":"a","self":true,"reachability":"public","offers":false,"cores":4.5,"memoryMiB":1,"uptimeSeconds":1,"load":0}]}""", "input.segment[0].cores: expected a 32-bit integer, got the number 4.5")]
    [InlineData("""{"want":2,"segment":[{"peerId":"a","self":true,"reachability":"public","offers":false,"cores":4,"memoryMb":1,"uptimeSeconds":1,"load":0}]}""", "input.segment[0].memoryMb: unknown field")]
    [InlineData("""{"want":2,"segment":[{"peerId":"a","self":true,"reachability":"public","offers":false,"cores":4,"memoryMiB":1,"load":0}]}""", "input.segment[0].uptimeSeconds: required field missing")]
    [InlineData("""{"want":2,"segment":[{"peerId":"a","self":false,"reachability":"public","offers":false,"cores":4,"memoryMiB":1,"uptimeSeconds":1,"load":0}]}""", "input.segment: exactly one member must have \"self\": true, found 0")]
    [InlineData("""{"want":2,"segment":[]}""", "input.segment: exactly one member must have \"self\": true, found 0")]
    public void Evaluate_ElectRelayInputNotMatchingRecord_ErrorNamesField(string input, string expected)
    {
        var ex = Assert.Throws<PolicyInputException>(() => PolicyEvaluator.Evaluate("electRelay", Path.Combine(Repo.PoliciesDirectory, "relay-election.js"), input, Options()));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"node":"n","silentSeconds":1,"apiConnected":false,"apiOfflineSeconds":1}""", "input.lastHeardVia: required field missing")]
    [InlineData("""{"node":"n","silentSeconds":"300","apiConnected":false,"apiOfflineSeconds":1,"lastHeardVia":"mdns"}""", "input.silentSeconds: expected a number, got a string")]
    [InlineData("""{"node":"n","silentSeconds":1,"apiConnected":0,"apiOfflineSeconds":1,"lastHeardVia":"mdns"}""", "input.apiConnected: expected true or false, got the number 0")]
    [InlineData("""{"node":"n","silentSeconds":1,"apiConnected":false,"apiOfflineSeconds":1,"lastHeardVia":"mdns","labels":{"pluginmesh.io/tolerance-seconds":600}}""", "input.labels.pluginmesh.io/tolerance-seconds: expected a string, got the number 600")]
    [InlineData("""{"node":"n","silentSecs":1,"silentSeconds":1,"apiConnected":false,"apiOfflineSeconds":1,"lastHeardVia":"mdns"}""", "input.silentSecs: unknown field")]
    public void Evaluate_ShouldRetireInputNotMatchingRecord_ErrorNamesField(string input, string expected)
    {
        var ex = Assert.Throws<PolicyInputException>(() => PolicyEvaluator.Evaluate("shouldRetire", Path.Combine(Repo.PoliciesDirectory, "retire.js"), input, Options()));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relay-election.js", "electRelay", "return { offer: 'yes' };", """{"offer":false,"fallback":true,"reason":"invalid-result: """, "'offer' must be a boolean, got a string")]
    [InlineData("retire.js", "shouldRetire", "return { retire: 1 };", """{"retire":true,"fallback":true,"reason":"invalid-result: """, "'retire' must be a boolean, got the number 1")]
    public void Evaluate_NewHooksNonBooleanAnswer_DefaultJsonWithFallbackAndReason(string fileName, string function, string body, string jsonStart, string reason)
    {
        var file = _dir.Write(fileName, $"function {function}(input) {{ {body} }}");
        var input = function == "electRelay"
            ? """{"nodeLabel":null,"want":1,"segment":[{"peerId":"s","self":true,"reachability":"private","offers":false,"cores":4,"memoryMiB":1,"uptimeSeconds":1,"load":0}]}"""
            : """{"node":"n","silentSeconds":301,"apiConnected":false,"apiOfflineSeconds":400,"lastHeardVia":"record","labels":{}}""";

        var result = PolicyEvaluator.Evaluate(function, file, input, Options());

        Assert.True(result.Fallback);
        Assert.StartsWith(jsonStart, result.Json, StringComparison.Ordinal);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_UnknownFunction_ListsKnownOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => PolicyEvaluator.Evaluate("rankRelay", "x.js", "{}"));
        Assert.Contains("rankRelays, onFailure, shouldResync, pickEndpoint, electRelay, shouldRetire", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private PolicyEngineOptions Options() => TempPolicyDir.Options(_dir.Path);
}
