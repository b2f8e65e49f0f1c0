// onFailure(input) -> { action: "retry" | "next" | "giveup", delayMs: 0..60000 }
// Same rules as the host's built-in default (DefaultFailoverPolicy); a test keeps them equal.
// Input and output shapes: policies/README.md.

var MAX_ATTEMPTS = 3;

function onFailure(input) {
  // An attempt below 1 is a caller bug; count it as the first so the delay stays an integer.
  var attempt = Math.max(input.attempt, 1);

  if (input.operation === "holepunch") {
    // NAT mappings need time to settle between punches.
    return attempt < MAX_ATTEMPTS
      ? { action: "retry", delayMs: 1000 * attempt }
      : { action: "giveup", delayMs: 0 };
  }

  if (input.alternatives > 0) {
    return { action: "next", delayMs: 0 };
  }

  // A refused dial is an answer: nothing listens at the peer's last address (its agent is down or
  // restarting, which outlasts a retry). The caller moves on — the proxy to another endpoint.
  if (input.operation === "dial" && input.reason === "refused") {
    return { action: "giveup", delayMs: 0 };
  }

  return attempt < MAX_ATTEMPTS
    ? { action: "retry", delayMs: Math.min(100 * Math.pow(2, attempt - 1), 2000) }
    : { action: "giveup", delayMs: 0 };
}
