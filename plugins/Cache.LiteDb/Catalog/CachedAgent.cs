namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.NodeAgent"/>: the PeerId and multiaddrs as text.</summary>
internal sealed record CachedAgent(string PeerId, IReadOnlyList<string> Addresses, bool OffersRelay);
