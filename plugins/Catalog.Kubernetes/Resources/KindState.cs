namespace PluginMesh.Plugins.Catalog.Kubernetes.Resources;

/// <summary>
/// Where an optional kind stands — Istio's DestinationRules or a kind a plugin asked for — and which of
/// its states was logged last. Mutated by the source under its lock.
/// </summary>
internal class KindState
{
    /// <summary><c>unknown</c>, <c>watching</c>, <c>not-served</c>, <c>forbidden</c> or <c>failed</c> (DestinationRules also <c>disabled</c>).</summary>
    public string State { get; set; } = "unknown";

    /// <summary>The list path watched (null when not watched).</summary>
    public string? Path { get; private set; }

    /// <summary>The apiVersion served and read (null when not served).</summary>
    public string? ApiVersion { get; private set; }

    /// <summary>Why the state is not <c>watching</c>, or null.</summary>
    public string? Reason { get; private set; }

    // The last state logged, so each change is logged once, not on every re-list.
    private string? _logged;

    public void Set(string state, string? path, string? apiVersion, string? reason)
    {
        State = state;
        Path = path;
        ApiVersion = apiVersion;
        Reason = reason;
    }

    /// <summary>
    /// The state, once for each state worth a line (a change of state, of the version watched or of
    /// the failure; a re-list that finds the same is not), marking it logged; null otherwise.
    /// </summary>
    public (string State, string? ApiVersion, string? Reason)? TakeUnlogged()
    {
        var signature = State switch
        {
            "watching" => State + "|" + ApiVersion,
            "failed" => State + "|" + Reason,
            _ => State,
        };
        if (signature == _logged) return null;
        _logged = signature;
        return (State, ApiVersion, Reason);
    }
}
