namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// A binding as kept in the state cache (collection <c>directory_bindings</c>, key = node name): what
/// the Kubernetes API said about the node's agent, served as <c>CachedApi</c> while the API is away.
/// </summary>
/// <param name="PeerId">The agent's PeerId.</param>
/// <param name="Addresses">Its published multiaddrs.</param>
/// <param name="OffersRelay">Whether it published a relay offer.</param>
/// <param name="ConfirmedAt">When the API last said so.</param>
public sealed record CachedBinding(string PeerId, IReadOnlyList<string> Addresses, bool OffersRelay, DateTimeOffset ConfirmedAt);
