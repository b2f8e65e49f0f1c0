// js-libp2p peer with @libp2p/mdns for the Dns.Mdns interop tests.
//   node mdns.mjs [--seed TEXT] [--port N] [--interval MS]
// Listens on TCP (0.0.0.0:<port>, so js advertises its private addresses by mDNS), prints
//   {"event":"ready","peerId":...,"addrs":[...]}
// then one {"event":"mdns:peer","peerId":...,"addrs":[...]} line per peer:discovery event, until
// stdin closes or SIGTERM. js may try to dial what it discovers; failures are only logged to stderr.
import './polyfill.mjs'
import { createHash } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { mdns } from '@libp2p/mdns'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1]?.startsWith('--') === false ? argv[++i] : true
  }
  return out
}

const print = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const args = parseArgs(process.argv.slice(2))
const init = {
  addresses: { listen: [`/ip4/0.0.0.0/tcp/${args.port ?? 0}`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns({ interval: Number(args.interval ?? 10000) })]
}
if (args.seed) init.privateKey = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(String(args.seed)).digest())
const node = await createLibp2p(init)
node.addEventListener('peer:discovery', (evt) => {
  print({ event: 'mdns:peer', peerId: evt.detail.id.toString(), addrs: evt.detail.multiaddrs.map(String) })
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
