using PluginMesh.Plugins.Tunnel.Relay.Client;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>A candidate after ranking, for status.</summary>
internal sealed record RankedCandidate(CircuitAddressRelay Relay, string Source, int Rank, double? RttMs, int RecentFailures, double Load = 0);
