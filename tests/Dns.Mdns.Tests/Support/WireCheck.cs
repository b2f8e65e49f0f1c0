using System.Buffers.Binary;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// Strict structural check of a DNS message, independent of the plugin's code: every section holds
/// exactly the records its count says, names are well-formed (pointers only backwards), and nothing
/// trails the last record.
/// </summary>
public static class WireCheck
{
    public static void AssertWellFormedResponse(ReadOnlySpan<byte> message, ushort expectedId)
    {
        Assert.True(message.Length >= 12, "response shorter than a header");
        Assert.Equal(expectedId, BinaryPrimitives.ReadUInt16BigEndian(message));
        Assert.True((message[2] & 0x80) != 0, "QR bit not set");
        int qd = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var records = BinaryPrimitives.ReadUInt16BigEndian(message[6..]) + BinaryPrimitives.ReadUInt16BigEndian(message[8..]) + BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        Assert.True(qd <= 1, $"QDCOUNT {qd}");
        var pos = 12;
        for (var i = 0; i < qd; i++)
        {
            SkipName(message, ref pos);
            pos += 4;
            Assert.True(pos <= message.Length, "question runs past the end");
        }
        for (var i = 0; i < records; i++)
        {
            SkipName(message, ref pos);
            Assert.True(pos + 10 <= message.Length, "record header runs past the end");
            pos += 10 + BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            Assert.True(pos <= message.Length, "record data runs past the end");
        }
        Assert.Equal(message.Length, pos);
    }

    private static void SkipName(ReadOnlySpan<byte> message, ref int pos)
    {
        var total = 0;
        while (true)
        {
            Assert.True(pos < message.Length, "name runs past the end");
            var b = message[pos];
            if (b == 0)
            {
                pos++;
                return;
            }
            if ((b & 0xC0) == 0xC0)
            {
                Assert.True(pos + 1 < message.Length, "pointer runs past the end");
                Assert.True((((b & 0x3F) << 8) | message[pos + 1]) < pos, "forward compression pointer");
                pos += 2;
                return;
            }
            Assert.True((b & 0xC0) == 0, "extended label type in a response");
            total += b + 1;
            Assert.True(total < 255, "name longer than 255 bytes");
            pos += b + 1;
        }
    }
}
