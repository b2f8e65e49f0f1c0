namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>shouldRetire</c>: answers whenever policies/retire.js is absent or fails.
/// </summary>
/// <remarks>
/// Rules (policies/retire.js implements exactly the same, a test holds them equal): retire iff the
/// Kubernetes API is not connected and the node's agent has been silent for at least the tolerance
/// window: <see cref="ToleranceSeconds"/>, or for one node the value of its
/// <see cref="ToleranceLabel"/> label when that is a positive integer of at most 9 ASCII digits (any
/// other value is ignored). While the API answers, it is the judge of which nodes exist, so nothing is
/// retired locally.
/// </remarks>
public sealed class DefaultNodeRetirePolicy : INodeRetirePolicy
{
    /// <summary>The tolerance window, seconds of silence while the API is away (issue 13: five minutes).</summary>
    public const double ToleranceSeconds = 300;

    /// <summary>Node label giving that node its own window in seconds, e.g. <c>"900"</c> for a node on a flaky uplink.</summary>
    public const string ToleranceLabel = "pluginmesh.io/tolerance-seconds";

    // Nine digits (up to ~31 years) keep the value an exact integer in both C# and JavaScript.
    private const int MaxLabelDigits = 9;

    private static readonly RetireDecision Retire = new(true);
    private static readonly RetireDecision Keep = new(false);

    /// <inheritdoc />
    public RetireDecision ShouldRetire(RetireInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ApiConnected)
        {
            return Keep;
        }

        var window = Window(input.Labels);
        // Kept: ask again when the window ends (1 to 60 s from now: the bounds the directory takes).
        return input.SilentSeconds >= window ? Retire : new RetireDecision(false, (int)Math.Clamp(Math.Ceiling(window - input.SilentSeconds), 1, 60));
    }

    /// <summary>The window for a node with <paramref name="labels"/>.</summary>
    internal static double Window(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(ToleranceLabel, out var value) && ParsePositive(value) is { } seconds ? seconds : ToleranceSeconds;

    private static int? ParsePositive(string value)
    {
        if (value.Length is 0 or > MaxLabelDigits)
        {
            return null;
        }

        var seconds = 0;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }

            seconds = (seconds * 10) + (c - '0');
        }

        return seconds > 0 ? seconds : null;
    }
}
