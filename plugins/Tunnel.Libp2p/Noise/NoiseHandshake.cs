using System.Buffers.Binary;
using System.Text;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>
/// Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p payload (specs: noise/README.md). Every message is
/// a 2-byte big-endian length then the message. A fresh static X25519 key is made per handshake,
/// like js does, and bound to the identity by the signature in the payload.
/// </summary>
public static class NoiseHandshake
{
    public const string ProtocolId = "/noise";
    public const int MaxMessageLength = 65535;
    private const int DhLength = 32;
    private static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("noise-libp2p-static-key:");

    /// <summary>Runs the handshake over <paramref name="inner"/>.</summary>
    /// <param name="inner">The raw (or pnet) stream, positioned right after multistream-select chose /noise.</param>
    /// <param name="initiator">True on the dialing side.</param>
    /// <param name="identity">Our identity key.</param>
    /// <param name="expectedRemote">When set, the remote must prove this PeerId.</param>
    /// <param name="muxers">Muxers we offer in the payload extensions (may be empty).</param>
    /// <exception cref="NoiseException">Bad MAC, bad signature, unexpected peer, malformed message.</exception>
    public static async Task<NoiseHandshakeResult> RunAsync(Stream inner, bool initiator, PrivateKey identity, PeerId? expectedRemote, IReadOnlyList<string> muxers, CancellationToken cancellationToken)
    {
        using var state = new SymmetricState();
        using var e = X25519KeyPair.Generate();
        using var s = X25519KeyPair.Generate();
        var localPayload = new NoisePayload(identity.PublicKey.Protobuf.ToArray(), identity.Sign(SignedBytes(s.PublicKey)), muxers).Encode();
        // Sized for the usual messages (keys, a signature, a few muxer names), not the 64 KiB maximum:
        // a longer message from the peer gets arrays of its own size (ReadAsync, Fit).
        var buffer = new byte[2 + Math.Max(1024, localPayload.Length + 2 * DhLength + 64)];
        var plain = new byte[buffer.Length];
        var dh = new byte[DhLength];
        byte[] re, rs;
        NoisePayload remotePayload;
        PeerId remoteId;

        if (initiator)
        {
            // -> e
            var n = 2;
            e.PublicKey.CopyTo(buffer, n);
            state.MixHash(e.PublicKey);
            n += DhLength;
            n += state.EncryptAndHash([], buffer.AsSpan(n));
            await WriteAsync(inner, buffer, n, cancellationToken).ConfigureAwait(false);

            // <- e, ee, s, es
            var msg = await ReadAsync(inner, buffer, cancellationToken).ConfigureAwait(false);
            if (msg.Length < DhLength + DhLength + 16) throw new NoiseException($"noise: message 2 too short ({msg.Length} bytes)");
            re = msg[..DhLength].ToArray();
            state.MixHash(re);
            e.Agree(re, dh);
            state.MixKey(dh);
            rs = new byte[DhLength];
            state.DecryptAndHash(msg.Slice(DhLength, DhLength + 16).Span, rs);
            e.Agree(rs, dh);
            state.MixKey(dh);
            plain = Fit(plain, msg.Length);
            var pn = state.DecryptAndHash(msg[(2 * DhLength + 16)..].Span, plain);
            remotePayload = DecodePayload(plain.AsSpan(0, pn));
            // Checked before msg3 so a wrong peer never learns who we are.
            remoteId = Verify(remotePayload, rs, expectedRemote);

            // -> s, se
            n = 2;
            n += state.EncryptAndHash(s.PublicKey, buffer.AsSpan(n));
            s.Agree(re, dh);
            state.MixKey(dh);
            n += state.EncryptAndHash(localPayload, buffer.AsSpan(n));
            await WriteAsync(inner, buffer, n, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // <- e
            var msg = await ReadAsync(inner, buffer, cancellationToken).ConfigureAwait(false);
            if (msg.Length < DhLength) throw new NoiseException($"noise: message 1 too short ({msg.Length} bytes)");
            re = msg[..DhLength].ToArray();
            state.MixHash(re);
            plain = Fit(plain, msg.Length);
            state.DecryptAndHash(msg[DhLength..].Span, plain);

            // -> e, ee, s, es
            var n = 2;
            e.PublicKey.CopyTo(buffer, n);
            state.MixHash(e.PublicKey);
            n += DhLength;
            e.Agree(re, dh);
            state.MixKey(dh);
            n += state.EncryptAndHash(s.PublicKey, buffer.AsSpan(n));
            s.Agree(re, dh);
            state.MixKey(dh);
            n += state.EncryptAndHash(localPayload, buffer.AsSpan(n));
            await WriteAsync(inner, buffer, n, cancellationToken).ConfigureAwait(false);

            // <- s, se
            msg = await ReadAsync(inner, buffer, cancellationToken).ConfigureAwait(false);
            if (msg.Length < DhLength + 16 + 16) throw new NoiseException($"noise: message 3 too short ({msg.Length} bytes)");
            rs = new byte[DhLength];
            state.DecryptAndHash(msg[..(DhLength + 16)].Span, rs);
            e.Agree(rs, dh);
            state.MixKey(dh);
            plain = Fit(plain, msg.Length);
            var pn = state.DecryptAndHash(msg[(DhLength + 16)..].Span, plain);
            remotePayload = DecodePayload(plain.AsSpan(0, pn));
            remoteId = Verify(remotePayload, rs, expectedRemote);
        }
        Array.Clear(dh);
        var handshakeHash = state.HandshakeHash.ToArray();
        var (c1, c2) = state.Split();
        var muxer = muxers.Count > 0 && remotePayload.StreamMuxers.Count > 0
            ? ChooseMuxer(initiator ? muxers : remotePayload.StreamMuxers, initiator ? remotePayload.StreamMuxers : muxers)
            : null;
        var stream = new NoiseStream(inner, send: initiator ? c1 : c2, receive: initiator ? c2 : c1);
        return new NoiseHandshakeResult(stream, remoteId, remotePayload.IdentityKey, muxer, handshakeHash);
    }

    internal static byte[] SignedBytes(ReadOnlySpan<byte> staticKey)
    {
        var data = new byte[SignaturePrefix.Length + staticKey.Length];
        SignaturePrefix.CopyTo(data, 0);
        staticKey.CopyTo(data.AsSpan(SignaturePrefix.Length));
        return data;
    }

    private static NoisePayload DecodePayload(ReadOnlySpan<byte> data)
    {
        try
        {
            return NoisePayload.Decode(data);
        }
        catch (FormatException ex)
        {
            throw new NoiseException($"noise: malformed handshake payload ({ex.Message})", ex);
        }
    }

    private static PeerId Verify(NoisePayload payload, byte[] remoteStatic, PeerId? expected)
    {
        if (!PublicKey.TryFromProtobuf(payload.IdentityKey, out var key, out var reason) || !key!.Verify(SignedBytes(remoteStatic), payload.IdentitySignature, out reason))
            throw new NoiseException($"noise: remote identity signature rejected ({reason})");
        var remoteId = PeerId.FromPublicKey(payload.IdentityKey);
        if (expected is not null && !expected.Equals(remoteId))
            throw new NoiseException($"noise: remote is {remoteId}, expected {expected}", unexpectedRemote: remoteId);
        return remoteId;
    }

    /// <summary>Inlined muxer negotiation: the initiator's first entry the responder also lists.</summary>
    private static string ChooseMuxer(IReadOnlyList<string> initiatorList, IReadOnlyList<string> responderList)
    {
        foreach (var m in initiatorList)
        {
            if (responderList.Contains(m)) return m;
        }
        throw new NoiseException($"noise: no common muxer (ours and theirs: {string.Join(",", initiatorList)} / {string.Join(",", responderList)})");
    }

    private static async ValueTask WriteAsync(Stream inner, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)(length - 2));
        await inner.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one message into <paramref name="buffer"/>, or into a new array when it is longer.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadAsync(Stream inner, byte[] buffer, CancellationToken cancellationToken)
    {
        await inner.ReadExactlyAsync(buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        var target = length <= buffer.Length ? buffer : new byte[length];
        await inner.ReadExactlyAsync(target.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        return target.AsMemory(0, length);
    }

    private static byte[] Fit(byte[] array, int length) => array.Length >= length ? array : new byte[length];
}
