using System.Net;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>
/// Asks the remote agent, on a stream already negotiated for <c>/pluginmesh/tunnel/1.0.0</c>, to
/// connect to <c>target</c>. After it returns, the stream carries raw TCP bytes, or datagrams
/// framed with <see cref="DatagramFraming"/> for UDP.
/// </summary>
public static class ForwardingClient
{
    /// <exception cref="TunnelException">The remote answered with an error (Refused, Timeout, … as values).</exception>
    public static async Task RequestAsync(Stream stream, IPEndPoint target, ForwardTransport transport, CancellationToken cancellationToken)
    {
        await LengthPrefixed.WriteAsync(stream, ForwardMessages.EncodeRequest(target, transport), cancellationToken).ConfigureAwait(false);
        byte[]? answer;
        try
        {
            answer = await LengthPrefixed.ReadAsync(stream, ForwardMessages.MaxMessageSize, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new TunnelException(TunnelFailure.Reset, $"[tunnel.libp2p] forward to {target}: bad answer ({e.Message})", e);
        }
        if (answer is null) throw new TunnelException(TunnelFailure.Reset, $"[tunnel.libp2p] forward to {target}: remote closed without answering");
        ForwardStatus status;
        string? message;
        try
        {
            (status, message) = ForwardMessages.DecodeResponse(answer);
        }
        catch (FormatException e)
        {
            throw new TunnelException(TunnelFailure.Reset, $"[tunnel.libp2p] forward to {target}: {e.Message}", e);
        }
        if (status == ForwardStatus.Ok) return;
        var failure = status switch
        {
            ForwardStatus.Refused or ForwardStatus.NotAllowed => TunnelFailure.Refused,
            ForwardStatus.Timeout => TunnelFailure.Timeout,
            ForwardStatus.Unreachable => TunnelFailure.Unresolved,
            _ => TunnelFailure.Reset,
        };
        throw new TunnelException(failure, $"[tunnel.libp2p] forward to {target} ({transport}): {status}{(message is null ? "" : " — " + message)}");
    }
}
