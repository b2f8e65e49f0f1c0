using Google.Protobuf;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using Ref = PluginMesh.Plugins.Tunnel.Relay.Tests.Reference;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Protocol;

/// <summary>
/// The hand-written relay messages (core protobuf writer and reader) against Google.Protobuf generated
/// from the same proto2 schema the plugin used before: identical bytes for every message, and the same
/// reading of anything Google.Protobuf reads — so no relay, voucher or envelope byte changed on the wire.
/// </summary>
public sealed class WireCrossCheckTests
{
    private const int Rounds = 3000;

    [Fact]
    public void RandomHopMessages_EncodeToTheSameBytes_AndReadBack()
    {
        var random = new Random(12);
        for (var i = 0; i < Rounds; i++)
        {
            var (ours, reference) = RandomHop(random);
            var expected = reference.ToByteArray();
            Assert.Equal(expected, ours.ToByteArray());
            Assert.Equal(expected, HopMessage.Parse(expected).ToByteArray());
        }
    }

    [Fact]
    public void RandomStopMessages_EncodeToTheSameBytes_AndReadBack()
    {
        var random = new Random(13);
        for (var i = 0; i < Rounds; i++)
        {
            var (ours, reference) = RandomStop(random);
            var expected = reference.ToByteArray();
            Assert.Equal(expected, ours.ToByteArray());
            Assert.Equal(expected, StopMessage.Parse(expected).ToByteArray());
        }
    }

    [Fact]
    public void VoucherAndEnvelope_EncodeToTheSameBytes()
    {
        var random = new Random(14);
        for (var i = 0; i < Rounds; i++)
        {
            var relay = Bytes(random);
            var peer = Bytes(random);
            var expiration = (ulong)random.NextInt64();
            Assert.Equal(
                new Ref.ReservationVoucher { Relay = ByteString.CopyFrom(relay), Peer = ByteString.CopyFrom(peer), Expiration = expiration }.ToByteArray(),
                new ReservationVoucher { Relay = relay, Peer = peer, Expiration = expiration }.ToByteArray());
            byte[][] parts = [Bytes(random), Bytes(random), Bytes(random), Bytes(random)];
            Assert.Equal(
                new Ref.Envelope { PublicKey = ByteString.CopyFrom(parts[0]), PayloadType = ByteString.CopyFrom(parts[1]), Payload = ByteString.CopyFrom(parts[2]), Signature = ByteString.CopyFrom(parts[3]) }.ToByteArray(),
                new Envelope { PublicKey = parts[0], PayloadType = parts[1], Payload = parts[2], Signature = parts[3] }.ToByteArray());
        }
    }

    [Fact]
    public void MutatedInput_WhatGoogleReads_WeReadTheSame()
    {
        // Valid messages with bytes changed, cut or appended: unknown fields, wrong wire types, repeated
        // embedded messages (merged), 64-bit enum values. Where Google.Protobuf accepts, so must we, and agree.
        var random = new Random(15);
        var checkedCount = 0;
        for (var i = 0; i < Rounds * 3; i++)
        {
            var input = RandomHop(random).Reference.ToByteArray();
            switch (i % 3)
            {
                case 0:
                    for (var m = 0; m < 2 && input.Length > 0; m++) input[random.Next(input.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    input = [.. input, .. RandomHop(random).Reference.ToByteArray()];
                    break;
                default:
                    input = input[..random.Next(0, input.Length + 1)];
                    break;
            }
            Ref.HopMessage reference;
            try
            {
                // Acceptance as the plugin's former parser decided it; for the comparison, unknown fields are
                // dropped on both sides (the plugin never forwards a message it read).
                Ref.HopMessage.Parser.ParseFrom(input);
                reference = Ref.HopMessage.Parser.WithDiscardUnknownFields(true).ParseFrom(input);
            }
            catch (InvalidProtocolBufferException)
            {
                // Google rejects: ours must not crash with anything but FormatException.
                try { HopMessage.Parse(input); } catch (FormatException) { }
                continue;
            }
            HopMessage ours;
            try
            {
                ours = HopMessage.Parse(input);
            }
            catch (FormatException e) when (KnownStricter(e))
            {
                continue;
            }
            Assert.Equal(reference.ToByteArray(), ours.ToByteArray());
            checkedCount++;
        }
        Assert.True(checkedCount > Rounds, $"only {checkedCount} inputs were readable by both");
    }

    [Fact]
    public void ReserveAndConnect_TypeZeroIsOnTheWire_AsJsNeeds()
    {
        Assert.Equal(new Ref.HopMessage { Type = Ref.HopMessage.Types.Type.Reserve }.ToByteArray(), new HopMessage { Type = HopMessageType.Reserve }.ToByteArray());
        Assert.Equal(new byte[] { 0x08, 0x00 }, new StopMessage { Type = StopMessageType.Connect }.ToByteArray());
    }

    /// <summary>
    /// Where the core reader is stricter than Google.Protobuf on input no libp2p peer sends: deprecated
    /// groups (Google skips them) and tags longer than 32 bits (Google keeps their low 32 bits).
    /// </summary>
    private static bool KnownStricter(FormatException e) =>
        e.Message.Contains("unsupported wire type 3", StringComparison.Ordinal)
        || e.Message.Contains("unsupported wire type 4", StringComparison.Ordinal)
        || e.Message.Contains("is out of range", StringComparison.Ordinal);

    private static (HopMessage Ours, Ref.HopMessage Reference) RandomHop(Random random)
    {
        var ours = new HopMessage();
        var reference = new Ref.HopMessage();
        if (random.Next(4) > 0)
        {
            var type = random.Next(5) == 0 ? random.Next(3, 1000) : random.Next(3);
            ours.Type = (HopMessageType)type;
            reference.Type = (Ref.HopMessage.Types.Type)type;
        }
        if (random.Next(2) == 0) (ours.Peer, reference.Peer) = RandomPeer(random);
        if (random.Next(2) == 0)
        {
            ours.Reservation = new Reservation();
            reference.Reservation = new Ref.Reservation();
            if (random.Next(2) == 0) reference.Reservation.Expire = (ulong)(ours.Reservation.Expire = (ulong)random.NextInt64());
            for (var n = random.Next(3); n > 0; n--)
            {
                var a = Bytes(random);
                ours.Reservation.Addrs.Add(a);
                reference.Reservation.Addrs.Add(ByteString.CopyFrom(a));
            }
            if (random.Next(2) == 0)
            {
                var v = Bytes(random);
                ours.Reservation.Voucher = v;
                reference.Reservation.Voucher = ByteString.CopyFrom(v);
            }
        }
        if (random.Next(2) == 0) (ours.Limit, reference.Limit) = RandomLimit(random);
        if (random.Next(2) == 0)
        {
            var status = new[] { 0, 100, 200, 201, 202, 203, 204, 400, 401, 7 }[random.Next(10)];
            ours.Status = (Status)status;
            reference.Status = (Ref.Status)status;
        }
        return (ours, reference);
    }

    private static (StopMessage Ours, Ref.StopMessage Reference) RandomStop(Random random)
    {
        var ours = new StopMessage();
        var reference = new Ref.StopMessage();
        if (random.Next(4) > 0)
        {
            var type = random.Next(2);
            ours.Type = (StopMessageType)type;
            reference.Type = (Ref.StopMessage.Types.Type)type;
        }
        if (random.Next(2) == 0) (ours.Peer, reference.Peer) = RandomPeer(random);
        if (random.Next(2) == 0) (ours.Limit, reference.Limit) = RandomLimit(random);
        if (random.Next(2) == 0)
        {
            ours.Status = Status.Ok;
            reference.Status = Ref.Status.Ok;
        }
        return (ours, reference);
    }

    private static (Peer, Ref.Peer) RandomPeer(Random random)
    {
        var ours = new Peer();
        var reference = new Ref.Peer();
        if (random.Next(3) > 0)
        {
            var id = Bytes(random);
            ours.Id = id;
            reference.Id = ByteString.CopyFrom(id);
        }
        for (var n = random.Next(3); n > 0; n--)
        {
            var a = Bytes(random);
            ours.Addrs.Add(a);
            reference.Addrs.Add(ByteString.CopyFrom(a));
        }
        return (ours, reference);
    }

    private static (Limit, Ref.Limit) RandomLimit(Random random)
    {
        var ours = new Limit();
        var reference = new Ref.Limit();
        if (random.Next(2) == 0) reference.Duration = (uint)(ours.Duration = (uint)random.NextInt64(0, uint.MaxValue));
        if (random.Next(2) == 0) reference.Data = (ulong)(ours.Data = (ulong)random.NextInt64());
        return (ours, reference);
    }

    private static byte[] Bytes(Random random)
    {
        var b = new byte[random.Next(0, 40)];
        random.NextBytes(b);
        return b;
    }
}
