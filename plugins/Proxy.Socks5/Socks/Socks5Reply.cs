namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>The REP field of a SOCKS5 reply (RFC 1928 §6; wire values are fixed).</summary>
public enum Socks5Reply : byte
{
    /// <summary>Succeeded.</summary>
    Succeeded = 0x00,
    /// <summary>General SOCKS server failure (a malformed request).</summary>
    GeneralFailure = 0x01,
    /// <summary>Connection not allowed by ruleset: a port off the node's allow-list, an address no node owns, a peer that is not a member.</summary>
    NotAllowed = 0x02,
    /// <summary>Network unreachable.</summary>
    NetworkUnreachable = 0x03,
    /// <summary>Host unreachable: an unknown node name, no path to its agent, a port that did not answer.</summary>
    HostUnreachable = 0x04,
    /// <summary>Connection refused by the port on the node.</summary>
    ConnectionRefused = 0x05,
    /// <summary>TTL expired.</summary>
    TtlExpired = 0x06,
    /// <summary>Command not supported (only CONNECT is).</summary>
    CommandNotSupported = 0x07,
    /// <summary>Address type not supported.</summary>
    AddressTypeNotSupported = 0x08,
}

/// <summary>Text forms of <see cref="Socks5Reply"/> for metrics and status.</summary>
public static class Socks5Replies
{
    /// <summary>Snake-case name, e.g. <c>not_allowed</c>.</summary>
    public static string ToCode(this Socks5Reply reply) => reply switch
    {
        Socks5Reply.Succeeded => "succeeded",
        Socks5Reply.GeneralFailure => "general_failure",
        Socks5Reply.NotAllowed => "not_allowed",
        Socks5Reply.NetworkUnreachable => "network_unreachable",
        Socks5Reply.HostUnreachable => "host_unreachable",
        Socks5Reply.ConnectionRefused => "connection_refused",
        Socks5Reply.TtlExpired => "ttl_expired",
        Socks5Reply.CommandNotSupported => "command_not_supported",
        Socks5Reply.AddressTypeNotSupported => "address_type_not_supported",
        _ => "unknown",
    };
}
