namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>shouldRetire</c> in policies/retire.js.</summary>
internal sealed class RetireBinding() : PolicyBinding<RetireInput, RetireDecision>("retire", "shouldRetire", new DefaultNodeRetirePolicy().ShouldRetire)
{
    public static readonly RetireBinding Instance = new();

    /// <summary>A node last heard on mDNS, silent past the default window, with its own window in a label.</summary>
    public override RetireInput WarmUpInput { get; } = new("edge-7", 312.5, false, 340.25, "mdns", new Dictionary<string, string>
    {
        ["node-role.kubernetes.io/edge"] = "",
        [DefaultNodeRetirePolicy.ToleranceLabel] = "600",
    });

    public override RetireDecision? FromJs(JsValue value, RetireInput input, out string? error)
    {
        var retire = JsRead.BooleanField(JsRead.PlainObject(value, "shouldRetire result", out error), "retire", ref error);
        return retire is null ? null : new RetireDecision(retire.Value);
    }

    public override void WriteResult(Utf8JsonWriter writer, RetireDecision result) => writer.WriteBoolean("retire", result.Retire);
}
