using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>A node name bound to its agent's PeerId by the Kubernetes API (now, or as last seen). Immutable.</summary>
/// <param name="NodeName">Node name.</param>
/// <param name="PeerId">The agent the API names.</param>
/// <param name="Addresses">Addresses the agent published on its Node (direct and relay circuits).</param>
/// <param name="OffersRelay">Whether it published a relay offer.</param>
/// <param name="Source"><see cref="RecordSource.Api"/> or <see cref="RecordSource.CachedApi"/>.</param>
/// <param name="ConfirmedAt">When the API last said so.</param>
internal sealed record NodeBinding(string NodeName, PeerId PeerId, IReadOnlyList<Multiaddr> Addresses, bool OffersRelay, RecordSource Source, DateTimeOffset ConfirmedAt)
{
    /// <summary>Same binding, addresses and offer (the confirmation time and source aside).</summary>
    public bool SameAs(NodeBinding other) =>
        NodeName == other.NodeName && PeerId == other.PeerId && OffersRelay == other.OffersRelay && Addresses.SequenceEqual(other.Addresses);
}
