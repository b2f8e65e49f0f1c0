using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;
using PluginMesh.Plugins.Tunnel.Libp2p.Transport;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>
/// Serves <c>/pluginmesh/tunnel/1.0.0</c>: reads the target, connects to it locally, answers with a
/// status, then splices bytes (TCP, half-close carried both ways) or framed datagrams (UDP) until
/// the remote closes. Only targets inside <paramref name="allowed"/> are dialed: without that this
/// agent would be an open proxy for every mesh member.
/// </summary>
public sealed partial class ForwardingServer(IReadOnlyList<IPNetwork> allowed, TimeSpan connectTimeout, ILogger logger)
{
    public const string ProtocolId = "/pluginmesh/tunnel/1.0.0";

    /// <summary>RFC 1918, CGNAT and IPv6 ULA: where pods and services live.</summary>
    public static IReadOnlyList<IPNetwork> DefaultAllowed { get; } =
        [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7")];

    public async Task ServeAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, CancellationToken cancellationToken)
    {
        IPEndPoint target;
        ForwardTransport transport;
        try
        {
            var request = await LengthPrefixed.ReadAsync(stream, ForwardMessages.MaxMessageSize, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("tunnel request: stream closed before the request");
            (target, transport) = ForwardMessages.DecodeRequest(request);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            await AnswerAsync(stream, closeWrite, ForwardStatus.BadRequest, e.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        var address = target.Address.IsIPv4MappedToIPv6 ? target.Address.MapToIPv4() : target.Address;
        if (!allowed.Any(n => n.Contains(address)))
        {
            LogRefused(logger, target.ToString());
            await AnswerAsync(stream, closeWrite, ForwardStatus.NotAllowed, $"forwarding to {target} is not allowed", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (transport == ForwardTransport.Tcp) await ForwardTcpAsync(stream, closeWrite, target, cancellationToken).ConfigureAwait(false);
        else await ForwardUdpAsync(stream, closeWrite, target, cancellationToken).ConfigureAwait(false);
    }

    private async Task ForwardTcpAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, IPEndPoint target, CancellationToken cancellationToken)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        TcpTransport.Configure(socket);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(connectTimeout);
            try
            {
                await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                var status = e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => ForwardStatus.Refused,
                    SocketError.TimedOut => ForwardStatus.Timeout,
                    _ => ForwardStatus.Unreachable,
                };
                await AnswerAsync(stream, closeWrite, status, e.Message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await AnswerAsync(stream, closeWrite, ForwardStatus.Timeout, $"connect to {target} timed out", cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        await LengthPrefixed.WriteAsync(stream, ForwardMessages.EncodeResponse(ForwardStatus.Ok, null), cancellationToken).ConfigureAwait(false);
        await using var local = new NetworkStream(socket, ownsSocket: false);
        var toTarget = PumpAsync(stream, local, _ =>
        {
            socket.Shutdown(SocketShutdown.Send);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        var fromTarget = PumpAsync(local, stream, closeWrite, cancellationToken);
        await Task.WhenAll(toTarget, fromTarget).ConfigureAwait(false);
    }

    private static async Task ForwardUdpAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, IPEndPoint target, CancellationToken cancellationToken)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        await LengthPrefixed.WriteAsync(stream, ForwardMessages.EncodeResponse(ForwardStatus.Ok, null), cancellationToken).ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fromTarget = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(DatagramFraming.MaxDatagram);
            var scratch = ArrayPool<byte>.Shared.Rent(DatagramFraming.MaxDatagram + 2);
            try
            {
                while (true)
                {
                    int n;
                    try
                    {
                        n = await socket.ReceiveAsync(buffer.AsMemory(0, DatagramFraming.MaxDatagram), SocketFlags.None, done.Token).ConfigureAwait(false);
                    }
                    catch (SocketException)
                    {
                        continue; // ICMP port unreachable surfaces here; UDP carries on
                    }
                    await DatagramFraming.WriteAsync(stream, buffer.AsMemory(0, n), scratch, done.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }, CancellationToken.None);
        var datagram = ArrayPool<byte>.Shared.Rent(DatagramFraming.MaxDatagram);
        try
        {
            int n;
            while ((n = await DatagramFraming.ReadAsync(stream, datagram, cancellationToken).ConfigureAwait(false)) >= 0)
            {
                try
                {
                    await socket.SendAsync(datagram.AsMemory(0, n), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // A lost datagram is UDP's normal failure; the flow continues.
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(datagram);
            await done.CancelAsync().ConfigureAwait(false);
            await fromTarget.ConfigureAwait(false);
        }
        await closeWrite(cancellationToken).ConfigureAwait(false);
    }

    private static async Task PumpAsync(Stream from, Stream to, Func<CancellationToken, ValueTask> closeWrite, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            await closeWrite(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task AnswerAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, ForwardStatus status, string message, CancellationToken cancellationToken)
    {
        await LengthPrefixed.WriteAsync(stream, ForwardMessages.EncodeResponse(status, message), cancellationToken).ConfigureAwait(false);
        await closeWrite(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "tunnel: refused to forward to {Target} (not in the allowed networks)")]
    private static partial void LogRefused(ILogger logger, string target);
}
