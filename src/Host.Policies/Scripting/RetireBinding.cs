using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>shouldRetire</c> in policies/retire.js.</summary>
internal sealed class RetireBinding : PolicyBinding<RetireInput, RetireDecision>
{
    public static readonly RetireBinding Instance = new();

    private static readonly DefaultNodeRetirePolicy DefaultPolicy = new();

    public override string Name => "retire";

    public override string FunctionName => "shouldRetire";

    /// <summary>A node last heard on mDNS, silent past the default window, with its own window in a label.</summary>
    public override RetireInput WarmUpInput { get; } = new("edge-7", 312.5, false, 340.25, "mdns", new Dictionary<string, string>
    {
        ["node-role.kubernetes.io/edge"] = "",
        [DefaultNodeRetirePolicy.ToleranceLabel] = "600",
    });

    public override RetireDecision Default(RetireInput input) => DefaultPolicy.ShouldRetire(input);

    public override JsValue ToJs(Engine engine, RetireInput input)
    {
        var labels = new JsObject(engine);
        foreach (var (key, value) in input.Labels)
        {
            labels.FastSetDataProperty(key, value);
        }

        var obj = new JsObject(engine);
        obj.FastSetDataProperty("node", input.Node);
        obj.FastSetDataProperty("silentSeconds", input.SilentSeconds);
        obj.FastSetDataProperty("apiConnected", input.ApiConnected);
        obj.FastSetDataProperty("apiOfflineSeconds", input.ApiOfflineSeconds);
        obj.FastSetDataProperty("lastHeardVia", input.LastHeardVia);
        obj.FastSetDataProperty("labels", labels);
        return obj;
    }

    public override RetireDecision? FromJs(JsValue value, RetireInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "shouldRetire result", out error);
        var retireValue = obj is null ? null : JsRead.Property(obj, "retire", out error);
        var retire = retireValue is null ? null : JsRead.Boolean(retireValue, "retire", out error);
        return retire is null ? null : new RetireDecision(retire.Value);
    }

    public override RetireInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "node", "silentSeconds", "apiConnected", "apiOfflineSeconds", "lastHeardVia", "labels");
        return new RetireInput(
            JsonFields.String(root, "node", path),
            JsonFields.Double(root, "silentSeconds", path),
            JsonFields.Bool(root, "apiConnected", path),
            JsonFields.Double(root, "apiOfflineSeconds", path),
            JsonFields.String(root, "lastHeardVia", path),
            JsonFields.StringMap(root, "labels", path));
    }

    public override void WriteResult(Utf8JsonWriter writer, RetireDecision result) => writer.WriteBoolean("retire", result.Retire);
}
