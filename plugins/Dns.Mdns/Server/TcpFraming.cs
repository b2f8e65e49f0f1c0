namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>Reads for DNS over TCP, where every message is preceded by a 2-byte length (RFC 1035 §4.2.2).</summary>
internal static class TcpFraming
{
    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first.</summary>
    public static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }
}
