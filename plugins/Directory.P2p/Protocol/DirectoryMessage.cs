namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>A decoded frame: exactly the member matching <paramref name="Type"/> is filled.</summary>
internal sealed record DirectoryMessage(MessageType Type, IReadOnlyList<DigestEntry> Digest, IReadOnlyList<byte[]> Records, string? Error, ReconcileMessage? Reconcile = null);
