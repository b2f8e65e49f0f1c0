namespace PluginMesh.Abstractions.Policies;

// Policies decide; protocol code asks. Each interface is implemented by the host: the script in
// policies/<name>.js answers when it is loaded and valid, otherwise the built-in C# default does.
// Inputs and outputs are plain records that map one-to-one onto camelCase JSON objects.
// All implementations are thread-safe, never throw for script problems (they fall back), and
// return within the engine's time limit.

/// <summary>A relay the agent could reserve on.</summary>
/// <param name="PeerId">Relay PeerId.</param>
/// <param name="RttMs">Measured round trip, or null when never measured.</param>
/// <param name="RecentFailures">Failures in the recent window (reservations refused, dials failed).</param>
/// <param name="Load">Load reported or estimated, 0 (idle) to 1 (full).</param>
/// <param name="Source"><c>config</c>, <c>directory</c>, <c>api</c> (a Node whose agent announces a relay offer) or <c>mdns</c>.</param>
/// <param name="Labels">Labels from the relay's directory record.</param>
public sealed record RelayCandidate(string PeerId, double? RttMs, int RecentFailures, double Load, string Source, IReadOnlyDictionary<string, string> Labels);

/// <summary>Input of <c>rankRelays</c>.</summary>
/// <param name="Want">How many reservations the agent wants (K).</param>
/// <param name="Candidates">Candidates, in no particular order.</param>
public sealed record RelaySelectionInput(int Want, IReadOnlyList<RelayCandidate> Candidates);

/// <summary>Output of <c>rankRelays</c>: candidate PeerIds, best first; a subset without duplicates.</summary>
public sealed record RelaySelectionResult(IReadOnlyList<string> Relays);

/// <summary>Ranks relay candidates.</summary>
public interface IRelaySelectionPolicy
{
    /// <summary>Orders <see cref="RelaySelectionInput.Candidates"/>, best first; may drop some.</summary>
    RelaySelectionResult RankRelays(RelaySelectionInput input);
}

/// <summary>What failed.</summary>
/// <param name="Operation"><c>dial</c>, <c>relay</c>, <c>reserve</c>, <c>holepunch</c> or <c>endpoint</c>.</param>
/// <param name="Target">What was being reached (node, peer, address or endpoint).</param>
/// <param name="Reason"><c>refused</c>, <c>timeout</c>, <c>reset</c>, <c>unreachable</c>, <c>handshake</c>, <c>relay-refused</c>, <c>limit</c> or <c>other</c>.</param>
/// <param name="Attempt">1 for the first failure of this operation, then 2, 3, …</param>
/// <param name="ElapsedMs">Time since the operation started.</param>
/// <param name="Alternatives">How many other paths/endpoints remain untried.</param>
public sealed record FailureInput(string Operation, string Target, string Reason, int Attempt, double ElapsedMs, int Alternatives);

/// <summary>What to do after a failure.</summary>
public enum FailoverAction
{
    /// <summary>Try the same target again after <see cref="FailoverDecision.DelayMs"/>.</summary>
    Retry,
    /// <summary>Move to the next alternative after <see cref="FailoverDecision.DelayMs"/>.</summary>
    Next,
    /// <summary>Stop and report the failure.</summary>
    GiveUp,
}

/// <summary>Output of <c>onFailure</c>.</summary>
/// <param name="Action">What to do (<c>retry</c>, <c>next</c>, <c>giveup</c> in JSON).</param>
/// <param name="DelayMs">Wait before acting, 0–60000.</param>
public sealed record FailoverDecision(FailoverAction Action, int DelayMs);

/// <summary>Decides what happens after a failure.</summary>
public interface IFailoverPolicy
{
    /// <summary>Decides the next step after a failure.</summary>
    FailoverDecision OnFailure(FailureInput input);
}

/// <summary>Input of <c>shouldResync</c>.</summary>
/// <param name="Source">Catalog source, e.g. <c>kubernetes</c>.</param>
/// <param name="Trigger"><c>startup</c>, <c>reconnected</c>, <c>watch-expired</c> or <c>periodic</c>.</param>
/// <param name="SecondsSinceLastSync">Since the last full sync; -1 when never.</param>
/// <param name="ConsecutiveFailures">Failed sync attempts in a row.</param>
/// <param name="SecondsOffline">How long the source was unreachable before this trigger; 0 when it was not.</param>
/// <param name="CachedObjects">Objects currently served from the cache.</param>
public sealed record ResyncInput(string Source, string Trigger, double SecondsSinceLastSync, int ConsecutiveFailures, double SecondsOffline, long CachedObjects);

/// <summary>Output of <c>shouldResync</c>.</summary>
/// <param name="Resync">True to do a full list now (after <paramref name="DelayMs"/>).</param>
/// <param name="DelayMs">Wait before the list (or before asking again when false), 0–600000.</param>
public sealed record ResyncDecision(bool Resync, int DelayMs);

/// <summary>Decides when a catalog source re-lists.</summary>
public interface IResyncPolicy
{
    /// <summary>Whether and when to do a full re-list.</summary>
    ResyncDecision ShouldResync(ResyncInput input);
}

/// <summary>One endpoint the proxy could send a connection to.</summary>
/// <param name="Address">Endpoint IP.</param>
/// <param name="NodeName">Hosting node, or null.</param>
/// <param name="Local">True when the endpoint is on this node.</param>
/// <param name="ActiveConnections">Connections the proxy has open to it.</param>
/// <param name="RecentFailures">Recent dial failures.</param>
public sealed record EndpointCandidate(string Address, string? NodeName, bool Local, int ActiveConnections, int RecentFailures);

/// <summary>Input of <c>pickEndpoint</c>.</summary>
/// <param name="Service"><c>ns/name</c>.</param>
/// <param name="Port">Service port.</param>
/// <param name="ClientIp">Client address.</param>
/// <param name="Candidates">Ready endpoints; never empty.</param>
public sealed record EndpointPickInput(string Service, int Port, string ClientIp, IReadOnlyList<EndpointCandidate> Candidates);

/// <summary>Output of <c>pickEndpoint</c>: index into the candidates.</summary>
public sealed record EndpointPick(int Index);

/// <summary>Scripted endpoint choice (load-balancing mode <c>script</c>).</summary>
public interface IEndpointPolicy
{
    /// <summary>Picks one candidate.</summary>
    EndpointPick PickEndpoint(EndpointPickInput input);
}

/// <summary>One agent of this LAN segment as relay election sees it (this agent included).</summary>
/// <param name="PeerId">Its PeerId.</param>
/// <param name="Self">True for the agent deciding.</param>
/// <param name="Reachability"><c>public</c>, <c>private</c> or <c>unknown</c> (AutoNAT; for others as their record says).</param>
/// <param name="Offers">Whether it offers the relay service now.</param>
/// <param name="Cores">Processor count.</param>
/// <param name="MemoryMiB">Memory available to the agent (cgroup limit or host memory).</param>
/// <param name="UptimeSeconds">Seconds since the agent started.</param>
/// <param name="Load">Relay load, 0 (idle) to 1 (full); 0 when not relaying.</param>
public sealed record RelayElectionMember(string PeerId, bool Self, string Reachability, bool Offers, int Cores, double MemoryMiB, double UptimeSeconds, double Load);

/// <summary>Input of <c>electRelay</c>.</summary>
/// <param name="NodeLabel">The node's <c>pluginmesh.io/relay</c> label: <c>true</c>, <c>false</c>, or null when unset.</param>
/// <param name="Want">How many relays a segment should have.</param>
/// <param name="Segment">This agent and the agents it shares a LAN segment with (found by mDNS), in no particular order.</param>
public sealed record RelayElectionInput(string? NodeLabel, int Want, IReadOnlyList<RelayElectionMember> Segment);

/// <summary>Output of <c>electRelay</c>.</summary>
/// <param name="Offer">Whether this agent offers the relay hop service.</param>
public sealed record RelayElectionDecision(bool Offer);

/// <summary>Decides whether this agent is one of its segment's relays ("local masters").</summary>
public interface IRelayElectionPolicy
{
    /// <summary>Whether this agent offers the relay service now.</summary>
    RelayElectionDecision ElectRelay(RelayElectionInput input);
}

/// <summary>Input of <c>shouldRetire</c>: a node whose agent has not been heard for a while.</summary>
/// <param name="Node">Node name.</param>
/// <param name="SilentSeconds">Since its agent was last heard (record refresh, live connection or mDNS).</param>
/// <param name="ApiConnected">Whether the Kubernetes API is reachable now.</param>
/// <param name="ApiOfflineSeconds">How long the API has been unreachable; 0 when connected.</param>
/// <param name="LastHeardVia"><c>record</c>, <c>connection</c>, <c>mdns</c>, <c>probe</c> (it answered the last probe) or <c>never</c>.</param>
/// <param name="Labels">The node's labels.</param>
public sealed record RetireInput(string Node, double SilentSeconds, bool ApiConnected, double ApiOfflineSeconds, string LastHeardVia, IReadOnlyDictionary<string, string> Labels);

/// <summary>Output of <c>shouldRetire</c>.</summary>
/// <param name="Retire">True to take the node out of load balancing here and stop resolving its record.</param>
/// <param name="RecheckSeconds">
/// When to ask about this node again (1 to 60 s; the directory asks each node every 10 s by default): a
/// node kept until its window ends says how far off that is, so it is retired when the window ends, not up
/// to 10 s later. Null: the directory's own cadence.
/// </param>
public sealed record RetireDecision(bool Retire, int? RecheckSeconds = null);

/// <summary>The tolerance window: when a silent node is retired locally while the API is away.</summary>
public interface INodeRetirePolicy
{
    /// <summary>Whether to retire the node now.</summary>
    RetireDecision ShouldRetire(RetireInput input);
}
