using Google.Protobuf;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Reservation vouchers: a <c>ReservationVoucher</c> record in a signed envelope (RFC 0002).</summary>
internal static class Voucher
{
    /// <summary>Signs a voucher for <paramref name="peer"/> (multihash bytes) valid until <paramref name="expiration"/> (unix seconds).</summary>
    public static byte[] Create(ILocalPeer relay, byte[] relayId, byte[] peer, ulong expiration)
    {
        var payload = new ReservationVoucher
        {
            Relay = ByteString.CopyFrom(relayId),
            Peer = ByteString.CopyFrom(peer),
            Expiration = expiration,
        }.ToByteArray();
        var envelope = new Envelope
        {
            PublicKey = ByteString.CopyFrom(relay.PublicKey.Span),
            PayloadType = ByteString.CopyFrom(RelayProtocols.VoucherPayloadType),
            Payload = ByteString.CopyFrom(payload),
            Signature = ByteString.CopyFrom(relay.Sign(SignedBytes(RelayProtocols.VoucherPayloadType, payload))),
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
        var n = (uint)field.Length;
        while (n >= 0x80)
        {
            output.Add((byte)(n | 0x80));
            n >>= 7;
        }
        output.Add((byte)n);
        output.AddRange(field);
    }

    /// <summary>Reads the voucher record out of an envelope (no signature check; tests and status use it).</summary>
    public static ReservationVoucher? TryOpen(ReadOnlySpan<byte> envelopeBytes, out Envelope? envelope)
    {
        envelope = null;
        try
        {
            envelope = Envelope.Parser.ParseFrom(envelopeBytes);
            return ReservationVoucher.Parser.ParseFrom(envelope.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
