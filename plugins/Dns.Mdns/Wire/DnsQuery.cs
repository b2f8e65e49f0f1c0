using System.Diagnostics.CodeAnalysis;

namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>
/// The parts of a query the server needs, parsed once. A mutable struct on purpose: it carries the
/// question name inline (<see cref="NameBuffer"/>) so parsing a query allocates nothing.
/// </summary>
internal struct DnsQuery
{
    /// <summary>Message ID, echoed in the response.</summary>
    public ushort Id;

    /// <summary>Header flags word as received (opcode, RD, CD...).</summary>
    public ushort Flags;

    /// <summary>Question type.</summary>
    public ushort Type;

    /// <summary>Question class.</summary>
    public ushort Class;

    /// <summary>Length of the decompressed question name in wire form, including the root byte; 0 when no question was read.</summary>
    public int NameLength;

    /// <summary>The question name, decompressed, with the client's letter case (echoed as sent, RFC 4343 / 0x20 randomisation).</summary>
    public NameBuffer Name;

    /// <summary>True when the query carried an OPT record.</summary>
    public bool HasEdns;

    /// <summary>The requestor's UDP payload size from OPT (never below 512).</summary>
    public ushort EdnsUdpSize;

    /// <summary>True when the question was read (the response can echo it).</summary>
    public readonly bool HasQuestion => NameLength > 0;

    /// <summary>Recursion desired bit.</summary>
    public readonly bool RecursionDesired => (Flags & 0x0100) != 0;

    /// <summary>Checking disabled bit (passed on to upstreams).</summary>
    public readonly bool CheckingDisabled => (Flags & 0x0010) != 0;

    /// <summary>Opcode (0 = QUERY).</summary>
    public readonly int Opcode => (Flags >> 11) & 0xF;

    /// <summary>Largest response this client accepts over UDP.</summary>
    public readonly int MaxUdpResponse =>
        HasEdns ? Math.Clamp((int)EdnsUdpSize, DnsLimits.ClassicUdpSize, DnsLimits.AdvertisedUdpSize) : DnsLimits.ClassicUdpSize;

    /// <summary>The question name as received.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> NameSpan => ((ReadOnlySpan<byte>)Name)[..NameLength];
}
