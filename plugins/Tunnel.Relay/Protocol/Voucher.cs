using PluginMesh.P2p.Encoding;

namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Reservation vouchers: a <c>ReservationVoucher</c> record in a signed envelope (RFC 0002).</summary>
internal static class Voucher
{
    /// <summary>Signs a voucher for <paramref name="peer"/> valid until <paramref name="expiration"/> (unix seconds).</summary>
    public static byte[] Create(ILocalPeer relay, PeerId peer, ulong expiration)
    {
        var payload = new ReservationVoucher
        {
            Relay = relay.PeerId.Multihash.ToArray(),
            Peer = peer.Multihash.ToArray(),
            Expiration = expiration,
        }.ToByteArray();
        var envelope = new Envelope
        {
            PublicKey = relay.PublicKey.Protobuf.ToArray(),
            PayloadType = RelayProtocols.VoucherPayloadType.ToArray(),
            Payload = payload,
            Signature = relay.Sign(SignedBytes(RelayProtocols.VoucherPayloadType, payload)),
        };
        return envelope.ToByteArray();
    }

    /// <summary>
    /// What the envelope signature covers: each of domain, payload type and payload prefixed by its
    /// unsigned-varint length.
    /// </summary>
    public static byte[] SignedBytes(ReadOnlySpan<byte> payloadType, ReadOnlySpan<byte> payload)
    {
        var domain = System.Text.Encoding.UTF8.GetBytes(RelayProtocols.VoucherDomain);
        var output = new List<byte>(domain.Length + payloadType.Length + payload.Length + 6);
        Append(output, domain);
        Append(output, payloadType);
        Append(output, payload);
        return [.. output];
    }

    private static void Append(List<byte> output, ReadOnlySpan<byte> field)
    {
        Span<byte> prefix = stackalloc byte[Varint.MaxLength];
        output.AddRange(prefix[..Varint.Write(prefix, (ulong)field.Length)]);
        output.AddRange(field);
    }

    /// <summary>Reads the voucher record out of an envelope (no signature check; tests and status use it).</summary>
    public static ReservationVoucher? TryOpen(ReadOnlySpan<byte> envelopeBytes, out Envelope? envelope)
    {
        envelope = null;
        try
        {
            envelope = Envelope.Parse(envelopeBytes);
            return ReservationVoucher.Parse(envelope.Payload ?? []);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
