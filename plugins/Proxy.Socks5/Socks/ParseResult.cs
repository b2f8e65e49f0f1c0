namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>How far a parse of buffered handshake bytes got.</summary>
public enum ParseResult
{
    /// <summary>More bytes are needed; nothing was consumed.</summary>
    NeedMore,
    /// <summary>One message was parsed and consumed.</summary>
    Done,
    /// <summary>The bytes are not a valid message; the error says why.</summary>
    Invalid,
}
