#!/usr/bin/env python3
"""Helpers for bench/dataplane.sh (standard library only).

  dataplane.py echo HOST PORT                 echo server: every byte read is written back (selectors, one thread)
  dataplane.py rr HOST PORT MODE N [SIZE]     request/response client; MODE kept (one connection, N round trips)
                                              or fresh (N connections: connect, SIZE bytes out, SIZE back, close).
                                              Prints one JSON line: p50/p90/p99/mean in microseconds.
  dataplane.py cps HOST PORT SECONDS          connections per second: connect, 1 byte out, 1 byte back, close, in a
                                              loop for SECONDS (one client, one connection at a time). One JSON line.
  dataplane.py udpecho HOST PORT             UDP echo server: every datagram is sent back as it came
  dataplane.py udpsoak HOST PORT N [WINDOW] [SESSIONS]
                                              UDP soak client: N datagrams of 8..1400 bytes (sequence number,
                                              CRC-32 of the rest, varied bytes), at most WINDOW unanswered, from
                                              SESSIONS source ports in turn; checks each answer is exactly one
                                              sent datagram. Prints one JSON line.
  dataplane.py rss FILE                       first / after warm-up / halfway / max / last VmRSS per agent and max RssAnon
                                              from the sampler's lines ("seconds rss-a rss-b [anon-a anon-b]", KiB)
  dataplane.py memrows SECTION RSS_JSON       that as rows of results.tsv
  dataplane.py udprows SOAK_JSON RSS_JSON      the two as rows of results.tsv
  dataplane.py iperf FILE                     MiB/s and seconds from an `iperf3 -J` result (receiver side)
  dataplane.py catalog KIND N FILE            catalog.file YAML (KIND dns: N services, no endpoints; sync: N
                                              services with one endpoint each)
  dataplane.py summary RESULTS                the report from the TSV the script appends to
"""
import json
import selectors
import socket
import random
import statistics
import struct
import sys
import time
import zlib


def echo(host, port):
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, int(port)))
    lsock.listen(1024)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    conn, _ = lsock.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(conn, selectors.EVENT_READ, True)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            # Small messages: the send buffer always has room; fall back to blocking for big ones.
            try:
                conn.setblocking(True)
                conn.sendall(data)
                conn.setblocking(False)
            except OSError:
                sel.unregister(conn)
                conn.close()


def _recv_exact(s, n):
    got = 0
    while got < n:
        chunk = s.recv(n - got)
        if not chunk:
            raise ConnectionError("closed early")
        got += len(chunk)


def _kind(e):
    """An error's kind for the counts: timeout, closed early, reset, refused, ..."""
    if isinstance(e, socket.timeout):
        return "timeout"
    return str(e) if isinstance(e, ConnectionError) and not e.errno else type(e).__name__


def rr(host, port, mode, n, size=64):
    n, size = int(n), int(size)
    msg = b"x" * size
    warm = max(50, n // 10)
    samples = []
    errors = 0
    kinds = {}
    addr = (host, int(port))
    if mode == "kept":
        s = socket.create_connection(addr, timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(warm + n):
            t0 = time.perf_counter_ns()
            s.sendall(msg)
            _recv_exact(s, size)
            t1 = time.perf_counter_ns()
            if i >= warm:
                samples.append(t1 - t0)
        s.close()
    elif mode == "fresh":
        for i in range(warm + n):
            t0 = time.perf_counter_ns()
            try:
                s = socket.create_connection(addr, timeout=10)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(msg)
                _recv_exact(s, size)
                t1 = time.perf_counter_ns()
                s.close()
            except OSError as e:
                errors += 1
                kinds[_kind(e)] = kinds.get(_kind(e), 0) + 1
                continue
            if i >= warm:
                samples.append(t1 - t0)
    else:
        raise SystemExit("mode: kept | fresh")
    samples.sort()

    def pct(p):
        return samples[min(len(samples) - 1, int(p / 100 * len(samples)))] / 1000

    print(json.dumps({"n": len(samples), "errors": errors, "error_kinds": kinds, "p50": pct(50), "p90": pct(90), "p99": pct(99),
                      "mean": statistics.fmean(samples) / 1000}))


def cps(host, port, seconds):
    """Connections completed per second by one client doing connect, 1-byte request, 1-byte answer,
    close, one after the other: the proxy's per-connection cost without the client's percentiles."""
    addr, seconds = (host, int(port)), float(seconds)
    done = errors = 0
    kinds = {}
    for _ in range(20):  # warm-up
        with socket.create_connection(addr, timeout=10) as s:
            s.sendall(b"x")
            _recv_exact(s, 1)
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(addr, timeout=10) as s:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(b"x")
                _recv_exact(s, 1)
            done += 1
        except OSError as e:
            errors += 1
            kinds[_kind(e)] = kinds.get(_kind(e), 0) + 1
    secs = time.monotonic() - start
    print(json.dumps({"connections": done, "errors": errors, "error_kinds": kinds, "seconds": round(secs, 3), "cps": round(done / secs, 1)}))


def udpecho(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((host, int(port)))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udpsoak(host, port, n, window=64, sessions=20, timeout=2.0):
    """Answers are matched by sequence number: a merged or split datagram shows as a size or CRC
    that is not the one sent under that number (or as a header that is not one at all)."""
    n, window, sessions, timeout = int(n), int(window), int(sessions), float(timeout)
    addr = (host, int(port))
    rnd = random.Random(16)
    pool = bytes(rnd.getrandbits(8) for _ in range(4096))
    outstanding = {}  # seq -> (size, crc, sent at)
    answered = set()
    c = dict(sent=0, received=0, lost=0, mismatched=0, duplicates=0, late=0)
    lost = set()
    per_session = (n + sessions - 1) // sessions
    started = time.monotonic()
    next_report = started + 10

    def receive(s, block):
        s.settimeout(0.05 if block else 0.0)
        while True:
            try:
                data = s.recv(65535)
            except (BlockingIOError, socket.timeout):
                return
            except ConnectionRefusedError:
                continue
            s.settimeout(0.0)
            if len(data) < 8:
                c["mismatched"] += 1
                continue
            seq, crc = struct.unpack_from(">II", data)
            want = outstanding.pop(seq, None)
            if want is None:
                key = "late" if seq in lost else "duplicates" if seq in answered else "mismatched"
                c[key] += 1
            elif want[0] != len(data) or want[1] != crc or zlib.crc32(memoryview(data)[8:]) != crc:
                c["mismatched"] += 1
            else:
                c["received"] += 1
                answered.add(seq)

    def expire(now):
        for seq in [q for q, w in outstanding.items() if now - w[2] > timeout]:
            del outstanding[seq]
            lost.add(seq)
            c["lost"] += 1

    seq = 0
    for _ in range(sessions):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.connect(addr)
        end = min(n, seq + per_session)
        while seq < end or outstanding:
            while seq < end and len(outstanding) < window:
                size = rnd.randint(8, 1400)
                body = pool[seq % 2048: seq % 2048 + size - 8]
                crc = zlib.crc32(body)
                outstanding[seq] = (size, crc, time.monotonic())
                s.send(struct.pack(">II", seq, crc) + body)
                c["sent"] += 1
                seq += 1
            receive(s, True)
            now = time.monotonic()
            expire(now)
            if now >= next_report:
                next_report = now + 10
                print(f"udpsoak: {c['sent']} sent, {c['received']} answered, {c['lost']} lost, "
                      f"{c['mismatched']} mismatched, {c['sent'] / (now - started):.0f}/s", file=sys.stderr, flush=True)
        s.close()
    secs = time.monotonic() - started
    c.update(seconds=round(secs, 1), rate=round(c["sent"] / secs), lost_pct=round(100 * c["lost"] / max(1, c["sent"]), 4),
             sessions=sessions, window=window)
    print(json.dumps(c))


def rss(path):
    """Lines "seconds VmRSS-a VmRSS-b [RssAnon-a RssAnon-b]" (KiB) -> MiB per agent."""
    rows = [list(map(int, line.split())) for line in open(path) if len(line.split()) in (3, 5)]
    out = {}
    for i, name in [(1, "node-a"), (2, "node-b")]:
        kib = [r[i] for r in rows if r[i] > 0]
        if kib:
            # "After warm-up": the sample a tenth of the way in; "half": halfway. A leak keeps
            # growing from half to last as it did from warm to half.
            out[name] = {k: round(v / 1024, 1) for k, v in
                         dict(first=kib[0], warm=kib[len(kib) // 10], half=kib[len(kib) // 2], max=max(kib), last=kib[-1]).items()}
            anon = [r[i + 2] for r in rows if len(r) == 5 and r[i + 2] > 0]
            if anon:
                out[name]["anon_max"] = round(max(anon) / 1024, 1)
    out["samples"] = len(rows)
    print(json.dumps(out))


def memrows(section, mem):
    """The agents' memory (from rss) as rows of results.tsv."""
    m = json.loads(mem)
    for node in ("node-a", "node-b"):
        for k, v in m.get(node, {}).items():
            print(f"{section}\t1\t{node}\trss_{k}\t{v}")


def udprows(soak, mem):
    """The soak's figures as rows of results.tsv."""
    s = json.loads(soak)
    for k in ("sent", "received", "lost", "lost_pct", "mismatched", "duplicates", "late", "rate", "seconds"):
        print(f"udp\t1\tsoak\t{k}\t{s[k]}")
    memrows("udp", mem)


def benchrows(path, rep):
    """`bench tunnel --json` (one stream, libp2p and raw TCP on loopback) as rows of results.tsv."""
    with open(path) as f:
        r = json.load(f)
    names = {"C# libp2p": "bench-tunnel", "raw TCP": "bench-raw"}
    for m in r["results"]:
        if m["Transport"] in names and m["Case"] == "1 stream":
            v = names[m["Transport"]]
            print(f"l4\t{rep}\t{v}\ttput1\t{m['MiBPerSecond']:.1f}")
            print(f"l4\t{rep}\t{v}\tcpu1\t{m['CpuSecondsPerGiB']:.3f}")


def iperf(path):
    with open(path) as f:
        r = json.load(f)
    if "error" in r:
        raise SystemExit("iperf3: " + r["error"])
    end = r["end"]
    recv = end["sum_received"]
    print(f'{recv["bytes"] / recv["seconds"] / 1048576:.1f} {recv["seconds"]:.3f} {recv["bytes"]}')


def catalog(kind, n, path):
    n = int(n)
    out = ["services:"]
    for i in range(n):
        ip = f"10.{100 + i // 62500}.{(i // 250) % 250}.{i % 250 + 1}"
        out.append(f"  - name: svc-{i}")
        out.append("    namespace: bench")
        out.append(f"    clusterIP: {ip}")
        out.append("    ports: [{name: http, port: 80, targetPort: 8080}]")
        if kind == "sync":
            out.append(f"    endpoints: [{{ip: 10.244.{(i // 250) % 250}.{i % 250 + 1}, node: node-s}}]")
    out.append("nodes:\n  - {name: node-s, podCIDRs: [10.244.0.0/16]}" if kind == "sync" else "nodes: []")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def added(rows, variant, base, metric):
    """Median over reps of variant's metric minus base's in the same rep (None without both)."""
    out = []
    for rep in sorted({r[1] for r in rows if r[0] == "l4"}):
        a = [float(r[4]) for r in rows if r[0] == "l4" and r[1] == rep and r[2] == variant and r[3] == metric]
        b = [float(r[4]) for r in rows if r[0] == "l4" and r[1] == rep and r[2] == base and r[3] == metric]
        if a and b:
            out.append(a[0] - b[0])
    return statistics.median(out) if out else None


def target(name, figure, goal, met):
    """One line per issue-16 target: the figure, the target, met or not (or not measured)."""
    verdict = "not measured" if met is None else ("met" if met else "NOT met")
    print(f"  {name:44} {figure:>26}   target {goal:24} {verdict}")


def issue16_l4(rows, med):
    """The issue-16 targets the L4 section measures, from the medians above."""
    have = {r[2] for r in rows if r[0] == "l4"}
    print("Issue 16 targets (same-run figures; medians over reps)")
    if "pluginmesh-tunnel" in have:
        # Across nodes the baseline is the routed path to the other node, when it was measured.
        base = "direct-remote" if "direct-remote" in have else "direct"
        kept, fresh = added(rows, "pluginmesh-tunnel", base, "kept_p50"), added(rows, "pluginmesh-tunnel", base, "fresh_p50")
        ok = kept is not None and fresh is not None and kept > 0
        target("tunnel: fresh added p50 / kept added p50", f"{fresh:+.0f} / {kept:+.0f} us = {fresh / kept:.1f}x" if ok else "-",
               "<= 2.0x", (fresh <= 2 * kept) if ok else None)
        fp, kp = med("l4", "pluginmesh-tunnel", "fresh_lanb_packets"), med("l4", "pluginmesh-tunnel", "kept_lanb_packets")
        if fp and kp:
            print(f"  {'  (packets between the agents: fresh connection / kept round trip)':70} {fp:.1f} / {kp:.1f}")
        t1, t8 = med("l4", "pluginmesh-tunnel", "tput1"), med("l4", "pluginmesh-tunnel", "tput8")
        target("tunnel: 8 connections vs 1", f"{t8:.0f} / {t1:.0f} MiB/s = {t8 / t1:.2f}x" if t1 and t8 else "-", ">= 1.0x",
               (t8 >= t1) if t1 and t8 else None)
        cpu, bcpu, rcpu = med("l4", "pluginmesh-tunnel", "cpu1"), med("l4", "bench-tunnel", "cpu1"), med("l4", "bench-raw", "cpu1")
        ok = cpu is not None and bcpu is not None
        target("tunnel: CPU per GiB vs `bench tunnel`", f"{cpu:.2f} / {bcpu:.2f} s/GiB = {cpu / bcpu:.2f}x" if ok else (f"{cpu:.2f} s/GiB (both agents)" if cpu else "-"),
               "<= 1.3x", (cpu <= 1.3 * bcpu) if ok else None)
        bt = med("l4", "bench-tunnel", "tput1")
        target("tunnel: 1-connection throughput vs `bench tunnel`", f"{t1:.0f} / {bt:.0f} MiB/s = {t1 / bt:.2f}x" if t1 and bt else "-", ">= 0.6x",
               (t1 >= 0.6 * bt) if t1 and bt else None)
        if bcpu is not None and rcpu is not None:
            # The agents' path has what the in-process bench has, plus a socket receive on node-a and a
            # send on node-b (with a process wake-up each): the raw TCP pair's CPU counts one of each.
            print(f"  {'  (floor: bench tunnel + one raw TCP send and receive)':70} {bcpu + rcpu:.2f} s/GiB = {(bcpu + rcpu) / bcpu:.2f}x bench tunnel")
        copy = med("l4", "pm-listen-copy", "cpu1")
        if cpu is not None and copy is not None:
            print(f"  {'  (two copying proxy hops, pm-listen-copy x 2)':70} {2 * copy:.2f} s/GiB; the tunnel path {cpu / (2 * copy):.2f}x that")
    if "pluginmesh" in have and "haproxy" in have:
        for mode in ("kept", "fresh"):
            a, h = added(rows, "pluginmesh", "direct", f"{mode}_p50"), added(rows, "haproxy", "direct", f"{mode}_p50")
            ok = a is not None and h is not None
            target(f"local: {mode} added p50 vs HAProxy", f"{a:+.0f} / {h:+.0f} us" if ok else "-", "<= HAProxy", (a <= h) if ok else None)
        p, h = med("l4", "pluginmesh", "tput1"), med("l4", "haproxy", "tput1")
        target("local: 1-connection throughput vs HAProxy", f"{p:.0f} / {h:.0f} MiB/s" if p and h else "-", ">= HAProxy", (p >= h) if p and h else None)
        p, h = med("l4", "pluginmesh", "cps"), med("l4", "haproxy", "cps")
        target("local: connections per second vs HAProxy", f"{p:.0f} / {h:.0f} /s" if p and h else "-", ">= HAProxy", (p >= h) if p and h else None)
    print()


def summary(path):
    """Rows: section, rep, variant, metric, value[, extra]."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 5:
                try:
                    float(parts[4])
                except ValueError:
                    continue  # a failed measurement leaves an empty value
                rows.append(parts)

    def values(section, variant, metric):
        return [float(r[4]) for r in rows if r[0] == section and r[2] == variant and r[3] == metric]

    def med(section, variant, metric):
        v = values(section, variant, metric)
        return statistics.median(v) if v else None

    def fmt(x, spec="{:.1f}"):
        return "-" if x is None else spec.format(x)

    l4 = [v for v in ["direct", "dnat", "haproxy", "haproxy-splice", "pm-listen-copy", "pm-listen-splice", "pluginmesh", "direct-remote", "pluginmesh-tunnel"]
          if any(r[0] == "l4" and r[2] == v for r in rows)]
    if l4:
        print("L4 throughput (iperf3, client -> server, medians over reps; per-rep values in results.tsv)")
        print(f'{"variant":18} {"1conn MiB/s":>12} {"x direct":>9} {"x haproxy":>10} {"8conn MiB/s":>12} {"x direct":>9} {"x haproxy":>10} {"proxy cpu-s/GiB 1/8":>20}')
        for v in l4:
            cells = []
            for m in ["tput1", "tput8"]:
                x, d, h = med("l4", v, m), med("l4", "direct", m), med("l4", "haproxy", m)
                cells += [fmt(x), fmt(x / d if x and d else None, "{:.2f}"), fmt(x / h if x and h else None, "{:.2f}")]
            cpu = f'{fmt(med("l4", v, "cpu1"), "{:.2f}")} / {fmt(med("l4", v, "cpu8"), "{:.2f}")}'
            print(f"{v:18} {cells[0]:>12} {cells[1]:>9} {cells[2]:>10} {cells[3]:>12} {cells[4]:>9} {cells[5]:>10} {cpu:>20}")
        print()
        print("Request/response, 64 B each way (microseconds; added = median over reps of p50 - direct p50 of the same rep)")
        print(f'{"variant":18} {"kept p50":>9} {"kept p99":>9} {"added p50":>10} {"added p99":>10} {"fresh p50":>10} {"fresh p99":>10} {"added p50":>10} {"added p99":>10}')
        for v in l4:
            cells = []
            for mode in ["kept", "fresh"]:
                cells += [fmt(med("l4", v, mode + "_p50"), "{:.0f}"), fmt(med("l4", v, mode + "_p99"), "{:.0f}")]
                for p in ["p50", "p99"]:
                    adds = []
                    for rep in sorted({r[1] for r in rows if r[0] == "l4"}):
                        a = [float(r[4]) for r in rows if r[0] == "l4" and r[1] == rep and r[2] == v and r[3] == f"{mode}_{p}"]
                        b = [float(r[4]) for r in rows if r[0] == "l4" and r[1] == rep and r[2] == "direct" and r[3] == f"{mode}_{p}"]
                        if a and b:
                            adds.append(a[0] - b[0])
                    cells.append(fmt(statistics.median(adds) if adds else None, "{:+.0f}"))
            c = cells
            print(f"{v:18} {c[0]:>9} {c[1]:>9} {c[2]:>10} {c[3]:>10} {c[4]:>10} {c[5]:>10} {c[6]:>10} {c[7]:>10}")
        mem = {(r[2], r[3]): float(r[4]) for r in rows if r[0] == "l4mem"}
        for node in ("node-a", "node-b"):
            if (node, "rss_max") in mem:
                r = lambda k: fmt(mem.get((node, "rss_" + k)))
                print(f"{node} during the L4 runs, MiB: VmRSS first {r('first')}, halfway {r('half')}, max {r('max')}, last {r('last')}; RssAnon max {r('anon_max')}")
        if any(r[0] == "l4" and r[3] == "cps" for r in rows):
            print("Connections per second (one client: connect, 1 B request, 1 B answer, close; medians over reps)")
            for v in l4:
                c, d = med("l4", v, "cps"), med("l4", "direct", "cps")
                if c:
                    print(f"{v:18} {c:>9.0f} /s {fmt(c / d if d else None, '{:.2f}'):>6} x direct")
        loads = [r[4] for r in rows if r[0] == "l4" and r[3] == "load"]
        if loads:
            print(f"load average (1 min) at each L4 measurement: min {min(map(float, loads)):.1f}, max {max(map(float, loads)):.1f}")
        print()
        issue16_l4(rows, med)


    dns = [v for v in ["dnsmasq", "dns.mdns"] if any(r[0] == "dns" and r[2] == v for r in rows)]
    if dns:
        print("DNS (dnsperf, same query file, servers on CPU 1, dnsperf on CPU 0; medians of interleaved runs)")
        print(f'{"server":10} {"qps runs":>28} {"median qps":>11} {"avg lat ms":>11} {"lost":>6} {"load":>12}')
        for v in dns:
            q = values("dns", v, "qps")
            lat = med("dns", v, "lat_ms")
            lost = sum(values("dns", v, "lost"))
            ld = values("dns", v, "load")
            print(f'{v:10} {" ".join(f"{x:.0f}" for x in q):>28} {statistics.median(q):>11.0f} {fmt(lat, "{:.3f}"):>11} {lost:>6.0f} {min(ld):>5.1f}-{max(ld):<5.1f}')
        a, b = med("dns", "dns.mdns", "qps"), med("dns", "dnsmasq", "qps")
        if a and b:
            print(f"dns.mdns / dnsmasq: {a / b:.2f}x")
        print()

    udp = {(r[2], r[3]): float(r[4]) for r in rows if r[0] == "udp"}
    if udp:
        g = lambda k: udp.get(("soak", k))
        print("UDP soak through the tunnel (datagrams of 8..1400 bytes, each checked against what was sent)")
        print(f"  sent {g('sent'):.0f}, answered {g('received'):.0f}, lost {g('lost'):.0f} ({g('lost_pct'):.3f} %), "
              f"merged/split/corrupt {g('mismatched'):.0f}, duplicated {g('duplicates'):.0f}, late {g('late'):.0f}")
        print(f"  {g('rate'):.0f} datagrams/s over {g('seconds'):.0f} s")
        for node in ("node-a", "node-b"):
            r = lambda k: fmt(udp.get((node, "rss_" + k)))
            print(f"  {node} VmRSS MiB: first {r('first')}, after warm-up {r('warm')}, halfway {r('half')}, max {r('max')}, last {r('last')}; "
                  f"sessions open after idle {fmt(udp.get((node, 'open_after_idle')), '{:.0f}')}")
        print("Issue 16 targets (UDP soak)")
        target("udp: datagrams merged, split or corrupted", f"{g('mismatched'):.0f} of {g('sent'):.0f}", "0", g("mismatched") == 0)
        for node in ("node-a", "node-b"):
            warm, last = udp.get((node, "rss_warm")), udp.get((node, "rss_last"))
            target(f"udp: {node} memory flat (last / after warm-up)", f"{last:.0f} / {warm:.0f} MiB" if warm and last else "-",
                   "<= 1.2x", (last <= 1.2 * warm) if warm and last else None)
        print()

    sync = [r for r in rows if r[0] == "sync"]
    if sync:
        print("Rule sync (agent status proxy.rules.lastSyncMs)")
        for r in sync:
            print(f"  {r[2]:34} {float(r[4]):9.1f} ms  {r[5] if len(r) > 5 else ''}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"echo": echo, "rr": rr, "udpecho": udpecho, "udpsoak": udpsoak, "rss": rss, "memrows": memrows, "udprows": udprows, "iperf": iperf, "benchrows": benchrows, "cps": cps, "catalog": catalog, "summary": summary}[cmd](*args)
