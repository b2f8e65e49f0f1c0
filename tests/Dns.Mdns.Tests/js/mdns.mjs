// js-libp2p peer with @libp2p/mdns for the Dns.Mdns interop tests.
//   node mdns.mjs [--seed TEXT] [--port N | --no-listen] [--interval MS] [--dial-first [--echo-bytes N] [--pings K]]
// Listens on TCP (0.0.0.0:<port>, so js advertises its private addresses by mDNS; --no-listen: no
// listener, so js advertises nothing and answers no query, but still queries), prints
//   {"event":"ready","peerId":...,"addrs":[...]}
// then one {"event":"mdns:peer","peerId":...,"addrs":[...]} line per peer:discovery event, until
// stdin closes or SIGTERM. js may try to dial what it discovers; failures are only logged to stderr.
// With --dial-first, the first peer discovered is dialed by PeerId (the addresses mDNS put in the
// peer store; TCP + Noise + Yamux), then over that connection: K pings on one /ipfs/ping/1.0.0
// stream (32 random bytes each, checked) and one /pluginmesh/echo/1.0.0 stream carrying N bytes of
// the xorshift32 pattern, half-closed, every echoed byte checked. One line reports it:
//   {"event":"dialed","discoveredPeerId":...,"peerId":<Noise-authenticated>,"remoteAddr":...,
//    "direction":"outbound","pingRttMs":[...],"echo":{"sent":N,"received":N,"ok":true}}
// or {"event":"dial:error","discoveredPeerId":...,"error":"Name: message"}.
import './polyfill.mjs'
import { createHash, randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { mdns } from '@libp2p/mdns'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'

const PING = '/ipfs/ping/1.0.0'
const ECHO = '/pluginmesh/echo/1.0.0'

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1]?.startsWith('--') === false ? argv[++i] : true
  }
  return out
}

const print = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))
const args = parseArgs(process.argv.slice(2))
const init = {
  addresses: { listen: args['no-listen'] ? [] : [`/ip4/0.0.0.0/tcp/${args.port ?? 0}`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns({ interval: Number(args.interval ?? 10000) })]
}
if (args.seed) init.privateKey = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(String(args.seed)).digest())
const node = await createLibp2p(init)

// The harness's echo pattern (shared/libp2p-interop.md §12): xorshift32 from 0x9e3779b9, little-endian words.
function pattern (length) {
  const block = new Uint8Array(Math.ceil(length / 4) * 4)
  const view = new DataView(block.buffer)
  let x = 0x9e3779b9
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    view.setUint32(i, x, true)
  }
  return block.subarray(0, length)
}

// @libp2p/utils 7.4.1's onDrain resolves only once per stream, so watch the buffer instead.
async function waitWritable (stream) {
  while (stream.writeBufferLength > 1024 * 1024 && stream.status === 'open') await sleep(1)
}

// K pings on one stream, as the spec allows: 32 random bytes out, the same 32 back.
async function pingPeer (peerId, count) {
  const stream = await node.dialProtocol(peerId, PING)
  const it = stream[Symbol.asyncIterator]()
  const rtts = []
  let pending = new Uint8Array(0)
  for (let i = 0; i < count; i++) {
    const payload = randomBytes(32)
    const start = process.hrtime.bigint()
    stream.send(payload)
    while (pending.length < 32) {
      const { value, done } = await it.next()
      if (done) throw new Error(`ping stream ended after ${pending.length} bytes`)
      pending = Buffer.concat([pending, value.subarray()])
    }
    rtts.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (!Buffer.from(pending.subarray(0, 32)).equals(payload)) throw new Error('ping answer differs from the payload')
    pending = pending.subarray(32)
  }
  await stream.close()
  return rtts
}

// Sends `total` bytes, half-closes, reads until the remote closes its write side; checks every byte.
async function echo (peerId, total) {
  const data = pattern(total)
  const stream = await node.dialProtocol(peerId, ECHO)
  let received = 0
  const reader = (async () => {
    for await (const chunk of stream) {
      const got = chunk.subarray()
      for (let i = 0; i < got.length; i++) {
        if (received + i >= total || got[i] !== data[received + i]) throw new Error(`echo mismatch at byte ${received + i}`)
      }
      received += got.length
    }
  })()
  for (let sent = 0; sent < total; sent += 64 * 1024) {
    if (!stream.send(data.subarray(sent, Math.min(total, sent + 64 * 1024)))) await waitWritable(stream)
  }
  await stream.close()
  await reader
  return { sent: total, received, ok: received === total }
}

let dialing = false
async function dialFirst (peer) {
  const result = { event: 'dialed', discoveredPeerId: peer.id.toString() }
  try {
    const conn = await node.dial(peer.id)
    result.peerId = conn.remotePeer.toString()
    result.remoteAddr = conn.remoteAddr.toString()
    result.direction = conn.direction
    result.encryption = conn.encryption
    result.multiplexer = conn.multiplexer
    result.pingRttMs = await pingPeer(peer.id, Number(args.pings ?? 3))
    result.echo = await echo(peer.id, Number(args['echo-bytes'] ?? 1024 * 1024))
  } catch (err) {
    print({ event: 'dial:error', discoveredPeerId: peer.id.toString(), error: `${err.name}: ${err.message}` })
    return
  }
  print(result)
}

node.addEventListener('peer:discovery', (evt) => {
  print({ event: 'mdns:peer', peerId: evt.detail.id.toString(), addrs: evt.detail.multiaddrs.map(String) })
  if (args['dial-first'] && !dialing) {
    dialing = true
    void dialFirst(evt.detail)
  }
})
await node.start()
print({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await node.stop()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
process.on('unhandledRejection', (err) => process.stderr.write(`unhandled: ${err?.stack ?? err}\n`))
