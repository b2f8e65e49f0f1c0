using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary><c>mdns-send</c>: multicasts raw packets from a given local address (a hostile host on the LAN).</summary>
public static class MdnsSender
{
    public static int Run(string[] args)
    {
        string? bind = null;
        var packets = new List<byte[]>();
        var count = 1;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--bind": bind = args[i + 1]; break;
                case "--hex": packets.Add(Convert.FromHexString(args[i + 1])); break;
                case "--count": count = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var local = IPAddress.Parse(bind ?? throw new ArgumentException("--bind is required"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(local, 0));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, local.GetAddressBytes());
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
        var group = new IPEndPoint(IPAddress.Parse("224.0.0.251"), 5353);
        var sent = 0;
        for (var n = 0; n < count; n++)
            foreach (var p in packets)
            {
                socket.SendTo(p, group);
                sent++;
            }
        Console.Out.WriteLine($"{{\"event\":\"sent\",\"count\":{sent}}}");
        return 0;
    }
}
