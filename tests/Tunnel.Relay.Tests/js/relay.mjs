// js-libp2p peers for the Tunnel.Relay interop tests (the relay itself is the C# one under test).
//   node relay.mjs reserve --relay ADDR [--listen-tcp]   reserves on ADDR (listens on ADDR/p2p-circuit), serves
//       /pluginmesh/echo/1.0.0, prints {"event":"ready","peerId":...,"addrs":[...circuit addrs]} once the
//       reservation holds ("direct": its TCP addresses with --listen-tcp), or {"event":"reserve-failed"} after 30 s; runs until stdin closes or SIGTERM.
//   node relay.mjs relay                      a stock js relay (circuitRelayServer defaults); prints ready.
//   node relay.mjs dial ADDR --echo-bytes N   dials ADDR (a /p2p-circuit address), echoes N bytes
//       (xorshift32 pattern, every byte checked) and prints one JSON result line.
import './polyfill.mjs'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { circuitRelayTransport, circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const ECHO = '/pluginmesh/echo/1.0.0'
const BLOCK = 1024 * 1024

function parseArgs (argv) {
  const out = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true
      else { out[a.slice(2)] = next; i++ }
    } else out._.push(a)
  }
  return out
}

function pattern () {
  const block = new Uint8Array(BLOCK)
  const view = new DataView(block.buffer)
  let x = 0x9e3779b9
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    view.setUint32(i, x, true)
  }
  return block
}

const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

// @libp2p/utils 7.4.1's onDrain resolves only once per stream, so watch the buffer instead.
async function waitWritable (stream) {
  while (stream.writeBufferLength > 4 * 1024 * 1024 && stream.status === 'open') await sleep(1)
}

async function makeNode (listen, privateKey, server = false) {
  const services = { identify: identify(), ping: ping() }
  if (server) services.relay = circuitRelayServer()
  const node = await createLibp2p({
    privateKey,
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services,
    connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000, maxConnections: 1000 }
  })
  await node.handle(ECHO, async (stream) => {
    try {
      for await (const chunk of stream) {
        if (!stream.send(chunk.subarray())) await waitWritable(stream)
      }
      await stream.close()
    } catch (err) {
      stream.abort(err)
    }
  }, { maxInboundStreams: 1024, maxOutboundStreams: 1024, runOnLimitedConnection: true })
  return node
}

async function echo (node, ma, total) {
  const block = pattern()
  const stream = await node.dialProtocol(ma, ECHO, { runOnLimitedConnection: true })
  let received = 0
  const reader = (async () => {
    for await (const chunk of stream) {
      const data = chunk.subarray()
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== block[(received + i) % BLOCK]) throw new Error(`echo mismatch at byte ${received + i}`)
      }
      received += data.length
    }
  })()
  let sent = 0
  while (sent < total) {
    const off = sent % BLOCK
    const n = Math.min(64 * 1024, total - sent, BLOCK - off)
    if (!stream.send(block.subarray(off, off + n))) await waitWritable(stream)
    sent += n
  }
  await stream.close()
  await reader
  if (received !== total) throw new Error(`echo returned ${received} of ${total} bytes`)
  return received
}

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const mode = args._[0]
  if (mode === 'reserve') {
    // The key is made first so a refused reservation (js fails start-up then) still reports its PeerId.
    const privateKey = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(privateKey).toString()
    let node
    try {
      node = await makeNode(args['listen-tcp'] ? [`${args.relay}/p2p-circuit`, '/ip4/127.0.0.1/tcp/0'] : [`${args.relay}/p2p-circuit`], privateKey)
    } catch (err) {
      print({ event: 'reserve-failed', peerId, error: `${err.name}: ${err.message}` })
      return 1
    }
    const deadline = Date.now() + 30000
    let addrs = []
    while (Date.now() < deadline) {
      addrs = node.getMultiaddrs().map(a => a.toString()).filter(a => a.includes('/p2p-circuit'))
      if (addrs.length > 0) break
      await sleep(50)
    }
    const direct = node.getMultiaddrs().map(a => a.toString()).filter(a => !a.includes('/p2p-circuit'))
    print(addrs.length > 0 ? { event: 'ready', peerId: node.peerId.toString(), addrs, direct } : { event: 'reserve-failed', peerId: node.peerId.toString() })
    await new Promise(resolve => {
      process.stdin.on('end', resolve)
      process.stdin.on('close', resolve)
      process.stdin.resume()
      process.on('SIGTERM', resolve)
    })
    await node.stop()
    return 0
  }
  if (mode === 'relay') {
    // A stock js relay (default limits: 2 min / 128 KiB, 15 reservations) for the C# client side.
    const node = await makeNode(['/ip4/127.0.0.1/tcp/0'], undefined, true)
    print({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })
    await new Promise(resolve => {
      process.stdin.on('end', resolve)
      process.stdin.on('close', resolve)
      process.stdin.resume()
      process.on('SIGTERM', resolve)
    })
    await node.stop()
    return 0
  }
  if (mode === 'dial') {
    const node = await makeNode([])
    const result = { ok: false }
    try {
      const ma = multiaddr(args._[1])
      const conn = await node.dial(ma)
      result.remotePeer = conn.remotePeer.toString()
      result.limited = conn.limits != null
      const start = process.hrtime.bigint()
      result.bytes = await echo(node, ma, Number(args['echo-bytes'] ?? 0))
      result.seconds = Number(process.hrtime.bigint() - start) / 1e9
      result.mibPerSec = result.bytes / 1048576 / Math.max(result.seconds, 1e-9)
      result.ok = true
    } catch (err) {
      result.error = `${err.name}: ${err.message}`
    }
    print(result)
    await node.stop()
    return result.ok ? 0 : 1
  }
  process.stderr.write('usage: relay.mjs reserve|dial ...\n')
  return 2
}

main().then(code => process.exit(code), err => { process.stderr.write(String(err?.stack ?? err) + '\n'); process.exit(1) })
