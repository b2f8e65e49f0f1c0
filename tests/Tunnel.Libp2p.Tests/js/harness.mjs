// js-libp2p peer for the Tunnel.Libp2p interop tests.
//   node harness.mjs listen [--psk FILE] [--seed TEXT]
//       prints {"event":"ready","peerId":...,"addrs":[...]} then one {"event":"identify",...} line per
//       identified peer; serves /pluginmesh/echo/1.0.0 until stdin closes or SIGTERM.
//   node harness.mjs dial ADDR [--echo-bytes N] [--streams K] [--psk FILE] [--seed TEXT]
//       connects, waits for identify, pings, runs K concurrent echo streams of N bytes each
//       (deterministic xorshift32 pattern, every byte checked) and prints one JSON result line.
//   node harness.mjs genkey --seed TEXT    prints the PeerId and key protobufs for that seed.
import './polyfill.mjs'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { generateKeyPairFromSeed, publicKeyToProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'

const ECHO = '/pluginmesh/echo/1.0.0'
const BLOCK = 1024 * 1024

function parseArgs (argv) {
  const out = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const key = a.slice(2)
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) out[key] = true
      else { out[key] = next; i++ }
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

const hex = (u8) => Buffer.from(u8).toString('hex')
const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

async function makeNode (args, listen) {
  const init = {
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), identifyPush: identifyPush(), ping: ping() },
    // The defaults (5 inbound connections/s per IP, 10 pending) would refuse test bursts.
    connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000, maxConnections: 1000 }
  }
  if (args.seed) init.privateKey = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(String(args.seed)).digest())
  if (args.psk) init.connectionProtector = preSharedKey({ psk: readFileSync(args.psk) })
  const node = await createLibp2p(init)
  await node.handle(ECHO, async (stream) => {
    try {
      for await (const chunk of stream) {
        const data = chunk.subarray()
        if (!stream.send(data)) await waitWritable(stream)
      }
      await stream.close()
    } catch (err) {
      stream.abort(err)
    }
  }, { maxInboundStreams: 1024, maxOutboundStreams: 1024, runOnLimitedConnection: true })
  return node
}

// @libp2p/utils 7.4.1's onDrain resolves only once per stream, so watch the buffer instead.
async function waitWritable (stream) {
  while (stream.writeBufferLength > 4 * 1024 * 1024 && stream.status === 'open') await sleep(1)
}

function identifyInfo (detail) {
  return {
    peerId: detail.peerId.toString(),
    agentVersion: detail.agentVersion,
    protocolVersion: detail.protocolVersion,
    protocols: detail.protocols,
    listenAddrs: (detail.listenAddrs ?? []).map(a => a.toString()),
    observedAddr: detail.observedAddr?.toString(),
    publicKey: detail.publicKey ? hex(publicKeyToProtobuf(detail.publicKey)) : undefined
  }
}

async function echoOne (node, ma, total, block) {
  const stream = await node.dialProtocol(ma, ECHO, { runOnLimitedConnection: true, maxOutboundStreams: 1024 })
  let received = 0
  let bad = -1
  const reader = (async () => {
    for await (const chunk of stream) {
      const data = chunk.subarray()
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== block[(received + i) % BLOCK]) { bad = received + i; break }
      }
      received += data.length
      if (bad >= 0) throw new Error(`echo mismatch at byte ${bad}`)
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
  if (mode === 'genkey') {
    const key = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(String(args.seed)).digest())
    print({ peerId: peerIdFromPrivateKey(key).toString(), publicKey: hex(publicKeyToProtobuf(key.publicKey)), privateKey: hex(privateKeyToProtobuf(key)) })
    return 0
  }
  if (mode === 'listen') {
    const node = await makeNode(args, true)
    node.addEventListener('peer:identify', (evt) => print({ event: 'identify', ...identifyInfo(evt.detail) }))
    node.addEventListener('connection:open', (evt) => print({ event: 'connection', peerId: evt.detail.remotePeer.toString(), remoteAddr: evt.detail.remoteAddr.toString() }))
    print({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })
    await new Promise(resolve => {
      process.stdin.on('end', resolve)
      process.stdin.on('close', resolve)
      process.stdin.resume()
      process.on('SIGTERM', resolve)
      process.on('SIGINT', resolve)
    })
    await node.stop()
    return 0
  }
  if (mode === 'dial') {
    const node = await makeNode(args, false)
    const result = { ok: false }
    try {
      const ma = multiaddr(args._[1])
      const identified = new Promise((resolve) => {
        node.addEventListener('peer:identify', (evt) => resolve(identifyInfo(evt.detail)))
      })
      const conn = await node.dial(ma)
      result.remotePeer = conn.remotePeer.toString()
      result.identify = await Promise.race([identified, sleep(10000).then(() => null)])
      result.pingMs = await node.services.ping.ping(ma)
      const bytes = Number(args['echo-bytes'] ?? 0)
      const streams = Number(args.streams ?? 1)
      const block = pattern()
      const start = process.hrtime.bigint()
      if (bytes > 0) {
        const counts = await Promise.all(Array.from({ length: streams }, () => echoOne(node, ma, bytes, block)))
        result.bytes = counts.reduce((a, b) => a + b, 0)
      } else result.bytes = 0
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
  process.stderr.write('usage: harness.mjs listen|dial|genkey ...\n')
  return 2
}

main().then(code => process.exit(code), err => { process.stderr.write(String(err?.stack ?? err) + '\n'); process.exit(1) })
