using PluginMesh.Plugins.Tunnel.Relay.Client;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>One candidate before ranking: where to reach it, where it came from, its labels and its published load (0 when it publishes none).</summary>
internal sealed record CandidateInfo(CircuitAddressRelay Relay, string Source, IReadOnlyDictionary<string, string> Labels, double Load = 0);
