namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>shouldResync</c> in policies/resync.js.</summary>
internal sealed class ResyncBinding() : PolicyBinding<ResyncInput, ResyncDecision>("resync", "shouldResync", new DefaultResyncPolicy().ShouldResync)
{
    public static readonly ResyncBinding Instance = new();

    /// <summary>Longest delay a script may ask for (the contract's range).</summary>
    public const int MaxDelayMs = 600_000;

    /// <summary>A reconnect after a short outage.</summary>
    public override ResyncInput WarmUpInput { get; } = new("kubernetes", "reconnected", 42.5, 1, 30.5, 120);

    public override ResyncDecision? FromJs(JsValue value, ResyncInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "shouldResync result", out error);
        var resync = JsRead.BooleanField(obj, "resync", ref error);
        var delay = resync is null ? null : JsRead.IntegerField(obj, "delayMs", 0, MaxDelayMs, ref error);
        return delay is null ? null : new ResyncDecision(resync!.Value, delay.Value);
    }

    public override void WriteResult(Utf8JsonWriter writer, ResyncDecision result)
    {
        writer.WriteBoolean("resync", result.Resync);
        writer.WriteNumber("delayMs", result.DelayMs);
    }
}
