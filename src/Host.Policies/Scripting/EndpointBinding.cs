using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>pickEndpoint</c> in policies/endpoint.js.</summary>
internal sealed class EndpointBinding : PolicyBinding<EndpointPickInput, EndpointPick>
{
    public static readonly EndpointBinding Instance = new();

    private static readonly DefaultEndpointPolicy DefaultPolicy = new();

    public override string Name => "endpoint";

    public override string FunctionName => "pickEndpoint";

    /// <summary>A local and two remote endpoints, one with failures.</summary>
    public override EndpointPickInput WarmUpInput { get; } = new("default/web", 80, "10.0.0.9",
    [
        new EndpointCandidate("10.244.1.5:8080", "node-a", true, 2, 0),
        new EndpointCandidate("10.244.2.7:8080", "node-b", false, 0, 1),
        new EndpointCandidate("10.244.3.9:8080", null, false, 1, 0),
    ]);

    public override EndpointPick Default(EndpointPickInput input) => DefaultPolicy.PickEndpoint(input);

    public override JsValue ToJs(Engine engine, EndpointPickInput input)
    {
        var candidates = new JsValue[input.Candidates.Count];
        for (var i = 0; i < candidates.Length; i++)
        {
            var c = input.Candidates[i];
            var candidate = new JsObject(engine);
            candidate.FastSetDataProperty("address", c.Address);
            candidate.FastSetDataProperty("nodeName", c.NodeName is { } node ? JsString.Create(node) : JsValue.Null);
            candidate.FastSetDataProperty("local", c.Local);
            candidate.FastSetDataProperty("activeConnections", c.ActiveConnections);
            candidate.FastSetDataProperty("recentFailures", c.RecentFailures);
            candidates[i] = candidate;
        }

        var obj = new JsObject(engine);
        obj.FastSetDataProperty("service", input.Service);
        obj.FastSetDataProperty("port", input.Port);
        obj.FastSetDataProperty("clientIp", input.ClientIp);
        obj.FastSetDataProperty("candidates", new JsArray(engine, candidates));
        return obj;
    }

    public override EndpointPick? FromJs(JsValue value, EndpointPickInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "pickEndpoint result", out error);
        var indexValue = obj is null ? null : JsRead.Property(obj, "index", out error);
        var index = indexValue is null ? null : JsRead.Integer(indexValue, "index", 0, input.Candidates.Count - 1, out error);
        return index is null ? null : new EndpointPick(index.Value);
    }

    public override EndpointPickInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "service", "port", "clientIp", "candidates");
        var input = new EndpointPickInput(
            JsonFields.String(root, "service", path),
            JsonFields.Int(root, "port", path),
            JsonFields.String(root, "clientIp", path),
            JsonFields.Array(root, "candidates", path, ParseCandidate));
        return input.Candidates.Count > 0
            ? input
            : throw new PolicyInputException($"{path}.candidates: must not be empty");
    }

    public override void WriteResult(Utf8JsonWriter writer, EndpointPick result) => writer.WriteNumber("index", result.Index);

    private static EndpointCandidate ParseCandidate(JsonElement e, string path)
    {
        JsonFields.RequireObject(e, path, "address", "nodeName", "local", "activeConnections", "recentFailures");
        return new EndpointCandidate(
            JsonFields.String(e, "address", path),
            JsonFields.NullableString(e, "nodeName", path),
            JsonFields.Bool(e, "local", path),
            JsonFields.Int(e, "activeConnections", path),
            JsonFields.Int(e, "recentFailures", path));
    }
}
