namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Per-circuit caps. Null means unlimited; an unlimited circuit sends no <c>limit</c> on the wire.</summary>
/// <param name="Duration">How long a circuit may live.</param>
/// <param name="Bytes">Bytes allowed in each direction (the spec's reading; js counts both directions together).</param>
public sealed record CircuitLimit(TimeSpan? Duration, long? Bytes)
{
    /// <summary>The spec's defaults for strangers: 2 minutes, 128 KiB.</summary>
    public static CircuitLimit OutsiderDefault { get; } = new(TimeSpan.FromMinutes(2), 128 * 1024);

    /// <summary>Mesh members carry real traffic: no cap.</summary>
    public static CircuitLimit Unlimited { get; } = new(null, null);

    public bool IsUnlimited => Duration is null && Bytes is null;
}
