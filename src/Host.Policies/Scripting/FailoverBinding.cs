namespace PluginMesh.Host.Policies.Scripting;

/// <summary><c>onFailure</c> in policies/failover.js.</summary>
internal sealed class FailoverBinding() : PolicyBinding<FailureInput, FailoverDecision>("failover", "onFailure", new DefaultFailoverPolicy().OnFailure)
{
    public static readonly FailoverBinding Instance = new();

    /// <summary>Longest delay a script may ask for (the contract's range).</summary>
    public const int MaxDelayMs = 60_000;

    /// <summary>A failed dial with one alternative left.</summary>
    public override FailureInput WarmUpInput { get; } = new("dial", "node-b", "timeout", 1, 12.5, 1);

    public override FailoverDecision? FromJs(JsValue value, FailureInput input, out string? error)
    {
        var obj = JsRead.PlainObject(value, "onFailure result", out error);
        var actionText = JsRead.StringField(obj, "action", ref error);
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

        var delay = JsRead.IntegerField(obj, "delayMs", 0, MaxDelayMs, ref error);
        return delay is null ? null : new FailoverDecision(action, delay.Value);
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
