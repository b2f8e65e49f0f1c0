namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>The remote closed the exchange with an ERROR frame naming why.</summary>
internal sealed class DirectoryProtocolException(string reason) : IOException($"[directory.p2p] remote closed the stream: {reason}")
{
    public string Reason { get; } = reason;
}
