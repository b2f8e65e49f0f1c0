namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>What the query parser concluded.</summary>
internal enum ParseStatus
{
    /// <summary>A well-formed standard query with one question.</summary>
    Ok,
    /// <summary>Not worth an answer: shorter than a header, or a response (answering those invites loops and reflection).</summary>
    Drop,
    /// <summary>Header readable but the rest is malformed: answer FORMERR.</summary>
    FormErr,
    /// <summary>An opcode other than QUERY: answer NOTIMP.</summary>
    NotImp,
    /// <summary>EDNS version above 0: answer BADVERS (RFC 6891 §6.1.3).</summary>
    BadVers,
}
