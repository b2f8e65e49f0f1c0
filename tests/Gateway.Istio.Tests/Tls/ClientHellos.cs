using System.Buffers.Binary;
using System.Net.Security;
using System.Text;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Tls;

/// <summary>ClientHello bytes: captured from a real <see cref="SslStream"/> client, or built to a chosen shape.</summary>
internal static class ClientHellos
{
    /// <summary>The TLS records a real client sends first (its whole ClientHello), for <paramref name="targetHost"/>.</summary>
    public static async Task<byte[]> CaptureAsync(string targetHost)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, TestTimeout.Token());
        using var accepted = await listener.AcceptTcpClientAsync(TestTimeout.Token());
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost }, TestTimeout.Token());

        // Records until the handshake message they carry is whole (its length is in its first 4 bytes).
        var stream = accepted.GetStream();
        var captured = new MemoryStream();
        var handshakeBytes = new MemoryStream();
        while (handshakeBytes.Length < 4 || handshakeBytes.Length < 4 + HandshakeLength(handshakeBytes.GetBuffer()))
        {
            var header = new byte[5];
            await stream.ReadExactlyAsync(header, TestTimeout.Token());
            var fragment = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
            await stream.ReadExactlyAsync(fragment, TestTimeout.Token());
            captured.Write(header);
            captured.Write(fragment);
            handshakeBytes.Write(fragment);
        }

        accepted.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return captured.ToArray();
    }

    private static int HandshakeLength(byte[] handshake) => handshake[1] << 16 | handshake[2] << 8 | handshake[3];

    /// <summary>
    /// A TLS 1.3-shaped ClientHello naming <paramref name="serverName"/> (none when null), with a padding
    /// extension of <paramref name="padding"/> bytes, cut into records of <paramref name="recordSize"/> bytes.
    /// </summary>
    public static byte[] Build(string? serverName, int padding = 0, int recordSize = 16384)
    {
        var extensions = new List<byte>();
        if (serverName is not null)
        {
            var name = Encoding.ASCII.GetBytes(serverName);
            Extension(extensions, 0, [.. U16(name.Length + 3), 0, .. U16(name.Length), .. name]);
        }

        Extension(extensions, 0x2b, [4, 3, 4, 3, 3]);
        if (padding > 0) Extension(extensions, 0x15, new byte[padding]);
        byte[] body =
        [
            3, 3, .. Enumerable.Range(0, 32).Select(i => (byte)i), 32, .. Enumerable.Repeat((byte)7, 32),
            .. U16(4), 0x13, 0x01, 0x13, 0x02, 1, 0, .. U16(extensions.Count), .. extensions,
        ];
        byte[] message = [1, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];
        return Records(message, recordSize);
    }

    /// <summary>The handshake bytes carried by <paramref name="records"/>, cut again into records of <paramref name="recordSize"/>.</summary>
    public static byte[] Rechunk(byte[] records, int recordSize)
    {
        var message = new List<byte>();
        for (var at = 0; at + 5 <= records.Length;)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(records.AsSpan(at + 3));
            message.AddRange(records.AsSpan(at + 5, length).ToArray());
            at += 5 + length;
        }

        return Records([.. message], recordSize);
    }

    private static byte[] Records(byte[] message, int recordSize)
    {
        var records = new List<byte>();
        for (var at = 0; at < message.Length; at += recordSize)
        {
            var chunk = message.AsSpan(at, Math.Min(recordSize, message.Length - at));
            records.AddRange([22, 3, 1, .. U16(chunk.Length), .. chunk.ToArray()]);
        }

        return [.. records];
    }

    private static void Extension(List<byte> into, int type, byte[] data) => into.AddRange([.. U16(type), .. U16(data.Length), .. data]);

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];
}
