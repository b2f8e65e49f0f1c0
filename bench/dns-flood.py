#!/usr/bin/env python3
"""Random-subdomain DNS flood against one agent whose upstream never answers (issue 14).

Starts `pluginmesh up` from the built host (Debug by default) on examples/single-node.yaml, with
`dns.mdns.upstreams` pointed at a UDP socket that takes every query and answers none, then sends
random names under flood.example at RATE queries/s for SECONDS while asking for a cluster name once a
second. Prints the agent's descriptor count and RSS (before, peak, after) and how many cluster-name
queries were answered. No root needed (127.0.0.1:5353, admin on 127.0.0.1:9474).

    bench/dns-flood.py [--seconds 15] [--rate 20000] [--host src/Cli/bin/Debug/net10.0/pluginmesh.dll]
"""
import argparse, os, random, socket, struct, subprocess, tempfile, threading, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=float, default=15)
ap.add_argument("--rate", type=int, default=20000)
ap.add_argument("--host", default=os.path.join(root, "src/Cli/bin/Debug/net10.0/pluginmesh.dll"))
args = ap.parse_args()

def query(name, qid):
    labels = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", 1, 1)

silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 0))
work = tempfile.mkdtemp(prefix="pm-dns-flood-")
config = open(os.path.join(root, "examples/single-node.yaml")).read() \
    .replace("    createInterface: false", f"    createInterface: false\n    upstreams: [127.0.0.1:{silent.getsockname()[1]}]") \
    .replace("path: examples/catalog.yaml", f"path: {root}/examples/catalog.yaml") \
    .replace("127.0.0.1:9464", "127.0.0.1:9474") \
    .replace("name: node-a", f"name: node-a\n  dataDir: {work}/data")
open(os.path.join(work, "config.yaml"), "w").write(config)
log = open(os.path.join(work, "agent.log"), "w")
agent = subprocess.Popen(["dotnet", args.host, "up", "--config", os.path.join(work, "config.yaml")], stdout=log, stderr=subprocess.STDOUT)
dns = ("127.0.0.1", 5353)
cluster = "web.demo.svc.cluster.local"
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.settimeout(0.5)

def answered():
    try:
        probe.sendto(query(cluster, random.getrandbits(16)), dns)
        probe.recvfrom(4096)
        return True
    except OSError:
        return False

def stat():
    fds = len(os.listdir(f"/proc/{agent.pid}/fd"))
    rss = next(l for l in open(f"/proc/{agent.pid}/status") if l.startswith("VmRSS")).split()[1]
    return fds, int(rss) // 1024

try:
    deadline = time.time() + 60
    while not answered():
        if time.time() > deadline or agent.poll() is not None:
            raise SystemExit(f"the agent did not answer DNS; log: {work}/agent.log")
    before = stat()
    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flood.setblocking(False)
    stop = time.time() + args.seconds
    def drain():
        while time.time() < stop + 3:
            try:
                flood.recv(4096)
            except BlockingIOError:
                time.sleep(0.001)
    threading.Thread(target=drain, daemon=True).start()
    sent, asked, ok, peak, last = 0, 0, 0, (0, 0), 0.0
    batch = max(1, args.rate // 100)
    while time.time() < stop:
        tick = time.time()
        for _ in range(batch):
            try:
                flood.sendto(query("%08x.flood.example" % random.getrandbits(32), random.getrandbits(16)), dns)
                sent += 1
            except BlockingIOError:
                pass
        if tick - last >= 1:
            last = tick
            now = stat()
            peak = (max(peak[0], now[0]), max(peak[1], now[1]))
            asked += 1
            ok += answered()
        time.sleep(max(0, 0.01 - (time.time() - tick)))
    time.sleep(3)
    after = stat()
    print(f"flood: {sent} queries in {args.seconds:.0f} s ({sent / args.seconds:.0f}/s), upstream silent")
    print(f"descriptors: before {before[0]}, peak {peak[0]}, 3 s after {after[0]}")
    print(f"RSS MiB:     before {before[1]}, peak {peak[1]}, 3 s after {after[1]}")
    print(f"cluster name {cluster} answered during the flood: {ok}/{asked}")
finally:
    agent.terminate()
    agent.wait()
    print(f"agent log: {work}/agent.log")
