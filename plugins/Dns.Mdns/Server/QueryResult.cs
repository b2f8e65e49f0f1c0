namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>How one query ended; the <c>result</c> attribute of <c>pluginmesh.dns.queries</c>.</summary>
internal enum QueryResult
{
    /// <summary>Authoritative answer with records.</summary>
    Answer,
    /// <summary>Authoritative: the name exists, the type does not.</summary>
    NoData,
    /// <summary>Authoritative: the name does not exist.</summary>
    NxDomain,
    /// <summary>Answered from an upstream or the forwarding cache.</summary>
    Forwarded,
    /// <summary>Every upstream failed (or none is configured).</summary>
    ServFail,
    /// <summary>Malformed query, unsupported opcode or EDNS version.</summary>
    FormErr,
    /// <summary>A cluster name asked in a class other than IN.</summary>
    Refused,
    /// <summary>Not answered: shorter than a header, or not a query.</summary>
    Dropped,
    /// <summary>Needed an upstream, but the client's rate or the node's upstream slots were used up: REFUSED at once.</summary>
    Limited,
    /// <summary>Not a result: admitted for an upstream exchange, the caller must call <see cref="DnsQueryHandler.ForwardAsync"/>.</summary>
    Upstream,
}
