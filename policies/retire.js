// shouldRetire(input) -> { retire: true | false, recheckSeconds: 1..60 (optional) }
// The tolerance window: while the Kubernetes API is unreachable, a node whose agent has been silent
// that long is taken out of load balancing here and its record stops resolving; it comes back the
// moment it is heard again. Same rules as the host's built-in default (DefaultNodeRetirePolicy); a
// test keeps them equal. Input and output shapes: policies/README.md.

// The knob: seconds of silence before a node is retired while the API is away.
var TOLERANCE_SECONDS = 300;

// A node may carry its own window, e.g. pluginmesh.io/tolerance-seconds: "900" on a flaky uplink.
// Only a positive integer of 1 to 9 digits counts; any other value is ignored.
var TOLERANCE_LABEL = "pluginmesh.io/tolerance-seconds";

function toleranceSeconds(labels) {
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, TOLERANCE_LABEL)) return TOLERANCE_SECONDS;
  var value = labels[TOLERANCE_LABEL];
  if (!/^[0-9]{1,9}$/.test(value)) return TOLERANCE_SECONDS;
  var seconds = parseInt(value, 10);
  return seconds > 0 ? seconds : TOLERANCE_SECONDS;
}

function shouldRetire(input) {
  // While the API answers, it decides which nodes exist; nothing is retired on a local guess.
  if (input.apiConnected) return { retire: false };
  var window = toleranceSeconds(input.labels);
  if (input.silentSeconds >= window) return { retire: true };
  // Kept: ask again when the window ends, so the node is retired then and not up to 10 s later.
  // (1 to 60 s from now: the bounds the directory takes.)
  return { retire: false, recheckSeconds: Math.min(60, Math.max(1, Math.ceil(window - input.silentSeconds))) };
}
