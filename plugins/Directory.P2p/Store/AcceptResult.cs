namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>The outcome of offering one record to the store.</summary>
/// <param name="Status">Accepted, duplicate or rejected.</param>
/// <param name="Reason">Why it was rejected, else null.</param>
/// <param name="Conflict">True when it opened a new claim on a node name another PeerId holds.</param>
internal readonly record struct AcceptResult(AcceptStatus Status, RejectReason? Reason = null, bool Conflict = false)
{
    public static AcceptResult Reject(RejectReason reason) => new(AcceptStatus.Rejected, reason);
}
