// electRelay(input) -> { offer: true | false }
// Whether this agent offers the relay hop service to its LAN segment ("local masters").
// Same rules as the host's built-in default (DefaultRelayElectionPolicy); a test keeps them equal.
// Input and output shapes: policies/README.md; a worked example: docs/policies.md.

var SATURATED_LOAD = 0.9;

// Only these members compete for a seat: the public ones, and those already offering.
function isEligible(member) {
  return member.reachability === "public" || member.offers;
}

// True when a has the better claim to a relay seat than b.
function ranksBefore(a, b) {
  var aSaturated = a.load >= SATURATED_LOAD;
  var bSaturated = b.load >= SATURATED_LOAD;
  if (aSaturated !== bSaturated) return !aSaturated; // a saturated relay hands its seat over
  if (a.cores !== b.cores) return a.cores > b.cores;
  if (a.memoryMiB !== b.memoryMiB) return a.memoryMiB > b.memoryMiB;
  if (a.uptimeSeconds !== b.uptimeSeconds) return a.uptimeSeconds > b.uptimeSeconds;
  return a.peerId < b.peerId; // UTF-16 code unit order, like the host's ordinal compare
}

function electRelay(input) {
  // The node's pluginmesh.io/relay label is the operator's word.
  if (input.nodeLabel === "false") return { offer: false };
  if (input.nodeLabel === "true") return { offer: true };

  var segment = input.segment;
  var selfIndex = -1;
  for (var i = 0; i < segment.length; i++) {
    if (segment[i].self) { selfIndex = i; break; }
  }
  // Peers outside the LAN cannot dial a NAT'd agent, so only a public one can serve them.
  if (selfIndex < 0 || segment[selfIndex].reachability !== "public") return { offer: false };

  var self = segment[selfIndex];
  var ahead = 0;
  for (var j = 0; j < segment.length; j++) {
    if (j !== selfIndex && isEligible(segment[j]) && ranksBefore(segment[j], self)) ahead++;
  }
  return { offer: ahead < input.want };
}
