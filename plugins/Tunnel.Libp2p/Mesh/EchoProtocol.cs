namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>/pluginmesh/echo/1.0.0: every byte goes back until the remote's FIN, then our FIN. For diagnostics.</summary>
public static class EchoProtocol
{
    public const string ProtocolId = "/pluginmesh/echo/1.0.0";

    public static async Task ServeAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            await closeWrite(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
