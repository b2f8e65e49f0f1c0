namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>What the forwarder learned from checking an upstream response.</summary>
/// <param name="Rcode">Response code (header bits only).</param>
/// <param name="Truncated">TC bit: retry over TCP.</param>
/// <param name="AnswerCount">Records in the answer section.</param>
/// <param name="MinAnswerTtl">Smallest answer TTL, or <see cref="uint.MaxValue"/> without answers.</param>
/// <param name="NegativeTtl">min(SOA TTL, SOA minimum) from the authority section (RFC 2308 §5), or null without SOA.</param>
/// <param name="TtlOffsets">Offsets of every TTL field except OPT's, so cached copies can count down.</param>
/// <param name="OptOffset">Start of the OPT record when it is the last record (so it can be cut off), else -1.</param>
/// <param name="QuestionNameLength">Raw length of the question name in the message.</param>
internal sealed record UpstreamResponse(
    int Rcode,
    bool Truncated,
    int AnswerCount,
    uint MinAnswerTtl,
    uint? NegativeTtl,
    int[] TtlOffsets,
    int OptOffset,
    int QuestionNameLength);
