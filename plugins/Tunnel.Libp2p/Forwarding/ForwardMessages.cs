using System.Net;
using PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>
/// The wire messages of <c>/pluginmesh/tunnel/1.0.0</c>, each one varint-length-prefixed protobuf:
/// request <c>{ bytes ip = 1; uint32 port = 2; Transport transport = 3 }</c>, response
/// <c>{ Status status = 1; string message = 2 }</c>. Enum fields are always written, even when 0.
/// </summary>
public static class ForwardMessages
{
    public const int MaxMessageSize = 1024;

    public static byte[] EncodeRequest(IPEndPoint target, ForwardTransport transport)
    {
        var w = new ProtoWriter(32);
        w.WriteBytesField(1, target.Address.GetAddressBytes());
        w.WriteVarintField(2, (ulong)target.Port);
        w.WriteVarintField(3, (ulong)transport);
        return w.ToArray();
    }

    /// <summary>Decodes a request; throws <see cref="FormatException"/> saying which field is wrong.</summary>
    public static (IPEndPoint Target, ForwardTransport Transport) DecodeRequest(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        byte[]? ip = null;
        ulong? port = null, transport = null;
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: ip = r.ReadBytes().ToArray(); break;
                case 2: port = r.ReadVarint(); break;
                case 3: transport = r.ReadVarint(); break;
                default: r.Skip(); break;
            }
        }
        if (ip is null || (ip.Length != 4 && ip.Length != 16)) throw new FormatException("tunnel request: ip must be 4 or 16 bytes");
        if (port is null or 0 or > 65535) throw new FormatException("tunnel request: port must be 1-65535");
        if (transport is null or > 1) throw new FormatException("tunnel request: transport must be tcp (0) or udp (1)");
        return (new IPEndPoint(new IPAddress(ip), (int)port), (ForwardTransport)transport);
    }

    public static byte[] EncodeResponse(ForwardStatus status, string? message)
    {
        var w = new ProtoWriter(64);
        w.WriteVarintField(1, (ulong)status);
        if (!string.IsNullOrEmpty(message)) w.WriteStringField(2, message.Length > 200 ? message[..200] : message);
        return w.ToArray();
    }

    public static (ForwardStatus Status, string? Message) DecodeResponse(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        ulong? status = null;
        string? message = null;
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: status = r.ReadVarint(); break;
                case 2: message = r.ReadString(); break;
                default: r.Skip(); break;
            }
        }
        if (status is null or > 5) throw new FormatException("tunnel response: missing or unknown status");
        return ((ForwardStatus)status, message);
    }
}
