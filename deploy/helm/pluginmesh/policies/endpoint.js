// pickEndpoint(input) -> { index: 0..candidates.length-1 }
// Same rules as the host's built-in default (DefaultEndpointPolicy); a test keeps them equal:
// fewest recent failures, then local, then fewest active connections, then lowest index.
// Input and output shapes: policies/README.md.

function isBetter(a, b) {
  if (a.recentFailures !== b.recentFailures) return a.recentFailures < b.recentFailures;
  if (a.local !== b.local) return a.local;
  return a.activeConnections < b.activeConnections;
}

function pickEndpoint(input) {
  var candidates = input.candidates;
  var best = 0;
  for (var i = 1; i < candidates.length; i++) {
    if (isBetter(candidates[i], candidates[best])) best = i;
  }
  return { index: best };
}
