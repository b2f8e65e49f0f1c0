#!/usr/bin/env bash
# UDP soak (issue 16): 1 000 000 datagrams through the tunnel. A client in its own namespace sends
# datagrams of 8..1400 bytes (a sequence number, the CRC-32 of the rest, varied bytes), at most
# UDP_WINDOW unanswered, from UDP_SESSIONS source ports in turn, to ClusterIP 10.96.0.12:7001.
# node-a (iptables mode) takes them in its UDP listener and carries them over a libp2p stream to
# node-b, whose tunnel server hands them to a UDP echo server; the answers come back the same way.
# Every answer must be exactly one sent datagram (same size and CRC under its sequence number:
# nothing merged or split); loss, rate, both agents' VmRSS (sampled every RSS_EVERY s) and the
# sessions still open after the idle timeout are reported.
#
#   sudo bench/udp-soak.sh
#   sudo UDP_N=100000 UDP_WINDOW=32 bench/udp-soak.sh
#
# The topology, agents and catalog are bench/dataplane.sh's (its "udp" section); needs root, the
# agent and plugins built (see that script's header), iproute2, iptables, curl and python3.
set -euo pipefail
SECTIONS=udp exec "$(dirname "$0")/dataplane.sh" "$@"
