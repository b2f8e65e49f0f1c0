namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>One autorelay candidate with its rank.</summary>
internal sealed record CandidateStatus(string PeerId, string Source, int Rank, double? RttMs, int RecentFailures, double Load);
