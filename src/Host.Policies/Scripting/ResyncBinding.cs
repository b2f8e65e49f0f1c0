using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>shouldResync</c> in policies/resync.js.</summary>
internal sealed class ResyncBinding : PolicyBinding<ResyncInput, ResyncDecision>
{
    public static readonly ResyncBinding Instance = new();

    /// <summary>Longest delay a script may ask for (the contract's range).</summary>
    public const int MaxDelayMs = 600_000;

    private static readonly DefaultResyncPolicy DefaultPolicy = new();

    public override string Name => "resync";

    public override string FunctionName => "shouldResync";

    /// <summary>A reconnect after a short outage.</summary>
    public override ResyncInput WarmUpInput { get; } = new("kubernetes", "reconnected", 42.5, 1, 30.5, 120);

    public override ResyncDecision Default(ResyncInput input) => DefaultPolicy.ShouldResync(input);

    public override JsValue ToJs(Engine engine, ResyncInput input)
    {
        var obj = new JsObject(engine);
        obj.FastSetDataProperty("source", input.Source);
        obj.FastSetDataProperty("trigger", input.Trigger);
        obj.FastSetDataProperty("secondsSinceLastSync", input.SecondsSinceLastSync);
        obj.FastSetDataProperty("consecutiveFailures", input.ConsecutiveFailures);
        obj.FastSetDataProperty("secondsOffline", input.SecondsOffline);
        obj.FastSetDataProperty("cachedObjects", input.CachedObjects);
        return obj;
    }

    public override ResyncDecision? FromJs(JsValue value, ResyncInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "shouldResync result", out error);
        if (obj is null)
        {
            return null;
        }

        var resyncValue = JsRead.Property(obj, "resync", out error);
        var resync = resyncValue is null ? null : JsRead.Boolean(resyncValue, "resync", out error);
        if (resync is null)
        {
            return null;
        }

        var delayValue = JsRead.Property(obj, "delayMs", out error);
        var delay = delayValue is null ? null : JsRead.Integer(delayValue, "delayMs", 0, MaxDelayMs, out error);
        return delay is null ? null : new ResyncDecision(resync.Value, delay.Value);
    }

    public override ResyncInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "source", "trigger", "secondsSinceLastSync", "consecutiveFailures", "secondsOffline", "cachedObjects");
        return new ResyncInput(
            JsonFields.String(root, "source", path),
            JsonFields.String(root, "trigger", path),
            JsonFields.Double(root, "secondsSinceLastSync", path),
            JsonFields.Int(root, "consecutiveFailures", path),
            JsonFields.Double(root, "secondsOffline", path),
            JsonFields.Long(root, "cachedObjects", path));
    }

    public override void WriteResult(Utf8JsonWriter writer, ResyncDecision result)
    {
        writer.WriteBoolean("resync", result.Resync);
        writer.WriteNumber("delayMs", result.DelayMs);
    }
}
