namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>A hop/stop message could not be read: the stream is closed with this reason.</summary>
internal sealed class RelayMessageException(string message) : IOException(message);
