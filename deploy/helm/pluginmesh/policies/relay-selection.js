// rankRelays(input) -> { relays: [peerId, ...] }, best first.
// Same rules as the host's built-in default (DefaultRelaySelectionPolicy); a test keeps them equal.
// Edit freely: an invalid answer, an exception or a timeout makes the host use the built-in default
// for that call. Input and output shapes: policies/README.md.

var FAILURE_CUTOFF = 3;
var UNMEASURED_RTT_MS = 500;
var FAILURE_PENALTY_MS = 250;

function relayGroup(candidate) {
  var labels = candidate.labels || {};
  var value = Object.prototype.hasOwnProperty.call(labels, "pluginmesh.io/relay") ? labels["pluginmesh.io/relay"] : undefined;
  if (value === "preferred") return 0;
  if (value === "avoid") return 2;
  return 1;
}

function relayScore(candidate) {
  var rtt = candidate.rttMs === null || candidate.rttMs === undefined ? UNMEASURED_RTT_MS : candidate.rttMs;
  return rtt * (1 + candidate.load) + FAILURE_PENALTY_MS * candidate.recentFailures;
}

function rankRelays(input) {
  var healthy = input.candidates.filter(function (c) { return c.recentFailures < FAILURE_CUTOFF; });
  // Keeping a flaky relay beats having none at all.
  var kept = healthy.length > 0 ? healthy : input.candidates;

  var ranked = kept.map(function (c) {
    return { id: c.peerId, group: relayGroup(c), score: relayScore(c) };
  });
  ranked.sort(function (a, b) {
    if (a.group !== b.group) return a.group - b.group;
    if (a.score !== b.score) return a.score < b.score ? -1 : 1;
    if (a.id === b.id) return 0;
    return a.id < b.id ? -1 : 1; // UTF-16 code unit order, like the host's ordinal compare
  });

  var seen = {};
  var relays = [];
  for (var i = 0; i < ranked.length; i++) {
    var id = ranked[i].id;
    if (!Object.prototype.hasOwnProperty.call(seen, id)) {
      seen[id] = true;
      relays.push(id);
    }
  }
  return { relays: relays };
}
