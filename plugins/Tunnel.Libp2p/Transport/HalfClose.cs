namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>
/// Ends the sending direction of a connection while it can still be read: through Noise and pnet
/// (stream ciphers without a closing record) down to the TCP socket, or a relay circuit's stream.
/// </summary>
internal static class HalfClose
{
    /// <summary>False when the stream stack offers no half-close (the caller then closes outright).</summary>
    public static async ValueTask<bool> TryCloseWriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (stream)
            {
                case NoiseStream noise:
                    stream = noise.Inner;
                    continue;
                case PnetStream pnet:
                    stream = pnet.Inner;
                    continue;
                case NetworkStream network:
                    network.Socket.Shutdown(SocketShutdown.Send);
                    return true;
                case YamuxStream circuit:
                    await circuit.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                default:
                    return false;
            }
        }
    }
}
