namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>First byte of every frame payload.</summary>
internal enum MessageType : byte
{
    /// <summary>What the sender holds: (PeerId, node name, sequence) per record.</summary>
    Digest = 1,
    /// <summary>Signed records in their wire form.</summary>
    Records = 2,
    /// <summary>Why the sender is closing the stream (UTF-8 reason).</summary>
    Error = 3,
    /// <summary>Range reconciliation (version 2): ranges by fingerprint or item list, and needed keys.</summary>
    Reconcile = 4,
}
