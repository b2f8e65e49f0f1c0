namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>pickEndpoint</c> in policies/endpoint.js.</summary>
internal sealed class EndpointBinding() : PolicyBinding<EndpointPickInput, EndpointPick>("endpoint", "pickEndpoint", new DefaultEndpointPolicy().PickEndpoint)
{
    public static readonly EndpointBinding Instance = new();

    /// <summary>A local and two remote endpoints, one with failures.</summary>
    public override EndpointPickInput WarmUpInput { get; } = new("default/web", 80, "10.0.0.9",
    [
        new EndpointCandidate("10.244.1.5:8080", "node-a", true, 2, 0),
        new EndpointCandidate("10.244.2.7:8080", "node-b", false, 0, 1),
        new EndpointCandidate("10.244.3.9:8080", null, false, 1, 0),
    ]);

    public override EndpointPick? FromJs(JsValue value, EndpointPickInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "pickEndpoint result", out error);
        var index = JsRead.IntegerField(obj, "index", 0, input.Candidates.Count - 1, ref error);
        return index is null ? null : new EndpointPick(index.Value);
    }

    public override EndpointPickInput ParseInput(JsonElement root, string path)
    {
        var input = base.ParseInput(root, path);
        return input.Candidates.Count > 0
            ? input
            : throw new PolicyInputException($"{path}.candidates: must not be empty");
    }

    public override void WriteResult(Utf8JsonWriter writer, EndpointPick result) => writer.WriteNumber("index", result.Index);
}
