using System.Text.Json;
using Jint;
using Jint.Native;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>onFailure</c> in policies/failover.js.</summary>
internal sealed class FailoverBinding : PolicyBinding<FailureInput, FailoverDecision>
{
    public static readonly FailoverBinding Instance = new();

    /// <summary>Longest delay a script may ask for (the contract's range).</summary>
    public const int MaxDelayMs = 60_000;

    private static readonly DefaultFailoverPolicy DefaultPolicy = new();

    public override string Name => "failover";

    public override string FunctionName => "onFailure";

    /// <summary>A failed dial with one alternative left.</summary>
    public override FailureInput WarmUpInput { get; } = new("dial", "node-b", "timeout", 1, 12.5, 1);

    public override FailoverDecision Default(FailureInput input) => DefaultPolicy.OnFailure(input);

    public override JsValue ToJs(Engine engine, FailureInput input)
    {
        var obj = new JsObject(engine);
        obj.FastSetDataProperty("operation", input.Operation);
        obj.FastSetDataProperty("target", input.Target);
        obj.FastSetDataProperty("reason", input.Reason);
        obj.FastSetDataProperty("attempt", input.Attempt);
        obj.FastSetDataProperty("elapsedMs", input.ElapsedMs);
        obj.FastSetDataProperty("alternatives", input.Alternatives);
        return obj;
    }

    public override FailoverDecision? FromJs(JsValue value, FailureInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "onFailure result", out error);
        if (obj is null)
        {
            return null;
        }

        var actionValue = JsRead.Property(obj, "action", out error);
        var actionText = actionValue is null ? null : JsRead.String(actionValue, "action", out error);
        if (actionText is null)
        {
            return null;
        }

        FailoverAction action;
        switch (actionText)
        {
            case "retry": action = FailoverAction.Retry; break;
            case "next": action = FailoverAction.Next; break;
            case "giveup": action = FailoverAction.GiveUp; break;
            default:
                error = $"'action' must be \"retry\", \"next\" or \"giveup\", got \"{actionText}\"";
                return null;
        }

        var delayValue = JsRead.Property(obj, "delayMs", out error);
        var delay = delayValue is null ? null : JsRead.Integer(delayValue, "delayMs", 0, MaxDelayMs, out error);
        return delay is null ? null : new FailoverDecision(action, delay.Value);
    }

    public override FailureInput ParseInput(JsonElement root, string path)
    {
        JsonFields.RequireObject(root, path, "operation", "target", "reason", "attempt", "elapsedMs", "alternatives");
        return new FailureInput(
            JsonFields.String(root, "operation", path),
            JsonFields.String(root, "target", path),
            JsonFields.String(root, "reason", path),
            JsonFields.Int(root, "attempt", path),
            JsonFields.Double(root, "elapsedMs", path),
            JsonFields.Int(root, "alternatives", path));
    }

    public override void WriteResult(Utf8JsonWriter writer, FailoverDecision result)
    {
        writer.WriteString("action", ActionName(result.Action));
        writer.WriteNumber("delayMs", result.DelayMs);
    }

    /// <summary>The JSON spelling of an action.</summary>
    public static string ActionName(FailoverAction action) => action switch
    {
        FailoverAction.Retry => "retry",
        FailoverAction.Next => "next",
        FailoverAction.GiveUp => "giveup",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown failover action"),
    };
}
