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
        var obj = JsRead.PlainObject(value, "shouldRetire result", out error);
        var retire = JsRead.BooleanField(obj, "retire", ref error);
        if (retire is null) return null;
        // Optional: a script written before it existed still answers { retire } alone.
        if (obj!.GetOwnProperty(RecheckField) == Jint.Runtime.Descriptors.PropertyDescriptor.Undefined) return new RetireDecision(retire.Value);
        var recheck = JsRead.IntegerField(obj, RecheckField, MinRecheckSeconds, MaxRecheckSeconds, ref error);
        return recheck is null ? null : new RetireDecision(retire.Value, recheck);
    }

    private const string RecheckField = "recheckSeconds";

    /// <summary>Bounds of <c>recheckSeconds</c>: the directory's rounds are 2 s apart, and a node is asked about at least every minute.</summary>
    public const int MinRecheckSeconds = 1, MaxRecheckSeconds = 60;

    public override void WriteResult(Utf8JsonWriter writer, RetireDecision result)
    {
        writer.WriteBoolean("retire", result.Retire);
        if (result.RecheckSeconds is { } recheck) writer.WriteNumber(RecheckField, recheck);
    }
}
