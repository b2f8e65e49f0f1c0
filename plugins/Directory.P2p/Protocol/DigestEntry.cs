namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>One line of an anti-entropy digest: which record (PeerId, node name) at which sequence a peer holds.</summary>
internal sealed record DigestEntry(string PeerId, string NodeName, long Sequence);
