// js-libp2p ↔ js-libp2p baseline for bench/PluginMesh.Bench `tunnel` (the C# side drives both processes).
//   node bench.mjs serve
//       prints {"event":"ready","pid":…,"addrs":[…]}; serves /pluginmesh/bench/discard/1.0.0 (reads to
//       the end, then closes) and /pluginmesh/echo/1.0.0 until stdin closes.
//   node bench.mjs run ADDR --case one|eight|rtt [--bytes N] [--samples K]
//       connects and warms up, prints {"event":"ready"}, waits for one line on stdin, runs the case and
//       prints {"event":"result",seconds,bytes,cpuUserUs,cpuSystemUs,rttUs:[…]} (its own CPU time for the run).
import './polyfill.mjs'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { createInterface } from 'node:readline'

const DISCARD = '/pluginmesh/bench/discard/1.0.0'
const ECHO = '/pluginmesh/echo/1.0.0'
const CHUNK = 256 * 1024
const limits = { maxInboundStreams: 1024, maxOutboundStreams: 1024, runOnLimitedConnection: true }

// Resolves once written: a result line with every round trip is larger than a pipe buffer, and process.exit would cut it.
const print = (obj) => new Promise(resolve => process.stdout.write(JSON.stringify(obj) + '\n', resolve))
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

function parseArgs (argv) {
  const out = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[++i]
    else out._.push(argv[i])
  }
  return out
}

async function makeNode (listen) {
  return createLibp2p({
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
    connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000, maxConnections: 1000 }
  })
}

// @libp2p/utils 7.4.1's onDrain resolves only once per stream, so watch the buffer (as harness.mjs does).
async function waitWritable (stream) {
  while (stream.writeBufferLength > 4 * 1024 * 1024 && stream.status === 'open') await sleep(1)
}

async function sendAll (node, ma, bytes, chunk) {
  const stream = await node.dialProtocol(ma, DISCARD, limits)
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    const piece = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent)
    if (!stream.send(piece)) await waitWritable(stream)
  }
  await stream.close()
  for await (const _ of stream) { /* the server closes after reading everything */ }
}

async function serve () {
  const node = await makeNode(true)
  await node.handle(DISCARD, async (stream) => {
    try {
      for await (const _ of stream) { /* discard */ }
      await stream.close()
    } catch (err) { stream.abort(err) }
  }, limits)
  await node.handle(ECHO, async (stream) => {
    try {
      for await (const chunk of stream) {
        if (!stream.send(chunk.subarray())) await waitWritable(stream)
      }
      await stream.close()
    } catch (err) { stream.abort(err) }
  }, limits)
  await print({ event: 'ready', pid: process.pid, addrs: node.getMultiaddrs().map(a => a.toString()) })
  await new Promise(resolve => {
    process.stdin.on('end', resolve)
    process.stdin.on('close', resolve)
    process.stdin.resume()
    process.on('SIGTERM', resolve)
  })
  await node.stop()
}

async function run (args) {
  const node = await makeNode(false)
  const ma = multiaddr(args._[1])
  const bytes = Number(args.bytes ?? 1024 * 1024 * 1024)
  const samples = Number(args.samples ?? 10000)
  const chunk = new Uint8Array(CHUNK).fill(7)
  await node.dial(ma)
  // Warm-up: a little of what is measured, so JIT and windows are not part of the numbers.
  let echo, it
  if (args.case === 'rtt') {
    echo = await node.dialProtocol(ma, ECHO, limits)
    it = echo[Symbol.asyncIterator]()
    for (let i = 0; i < 200; i++) { echo.send(new Uint8Array([i & 0xff])); await it.next() }
  } else {
    await sendAll(node, ma, 16 * 1024 * 1024, chunk)
  }
  await print({ event: 'ready' })
  await new Promise(resolve => createInterface({ input: process.stdin }).once('line', resolve))
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const result = { event: 'result', case: args.case, bytes: 0, rttUs: [] }
  if (args.case === 'one') {
    await sendAll(node, ma, bytes, chunk)
    result.bytes = bytes
  } else if (args.case === 'eight') {
    await Promise.all(Array.from({ length: 8 }, () => sendAll(node, ma, bytes / 8, chunk)))
    result.bytes = bytes
  } else {
    const one = new Uint8Array([1])
    for (let i = 0; i < samples; i++) {
      const t = process.hrtime.bigint()
      echo.send(one)
      await it.next()
      result.rttUs.push(Number(process.hrtime.bigint() - t) / 1000)
    }
    await echo.close()
  }
  result.seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  result.cpuUserUs = used.user
  result.cpuSystemUs = used.system
  await print(result)
  await node.stop()
}

const args = parseArgs(process.argv.slice(2))
const main = args._[0] === 'serve' ? serve() : args._[0] === 'run' ? run(args) : Promise.reject(new Error('usage: bench.mjs serve | run ADDR --case one|eight|rtt'))
main.then(() => process.exit(0), err => { process.stderr.write(String(err?.stack ?? err) + '\n'); process.exit(1) })
