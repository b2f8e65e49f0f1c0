// shouldResync(input) -> { resync: true | false, delayMs: 0..600000 }
// Same rules as the host's built-in default (DefaultResyncPolicy); a test keeps them equal.
// Input and output shapes: policies/README.md.

var PERIOD_SECONDS = 600;
var MAX_BACKOFF_MS = 30000;

function shouldResync(input) {
  if (input.trigger === "periodic") {
    var since = input.secondsSinceLastSync;
    if (since < 0 || since >= PERIOD_SECONDS) {
      return { resync: true, delayMs: 0 };
    }
    return { resync: false, delayMs: Math.ceil((PERIOD_SECONDS - since) * 1000) };
  }

  // startup, reconnected, watch-expired (and anything unknown): re-list, backing off after failures
  // so a struggling API server is not hammered.
  var failures = input.consecutiveFailures;
  var delay = failures > 0 ? Math.min(500 * Math.pow(2, failures), MAX_BACKOFF_MS) : 0;
  return { resync: true, delayMs: delay };
}
