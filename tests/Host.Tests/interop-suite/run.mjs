// Runs libp2p's own interop suite (@libp2p/interop: connect, streams, relay) with the suite's "go"
// role played by `pluginmesh p2p daemon` and its "js" role by js-libp2p behind @libp2p/daemon-server.
//
//   node run.mjs            (env: PLUGINMESH_DLL, PLUGINMESH_PLUGINS, PLUGINMESH_POLICIES; see below)
//
// Prints mocha's spec report, then one JSON line {"passed","failed","skipped","skips","passedTests"}; exits 1
// on any failure. Options PluginMesh does not support are refused with the suite's UnsupportedError,
// which the suite (or, for its hooks that do not catch it, this runner) turns into skipped tests.
import '../../Tunnel.Libp2p.Tests/js/polyfill.mjs'
import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createClient } from '@libp2p/daemon-client'
import { createServer } from '@libp2p/daemon-server'
import { identify } from '@libp2p/identify'
import { connectInteropTests, relayInteropTests, streamInteropTests, UnsupportedError } from '@libp2p/interop'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import Mocha from 'mocha'

const env = name => {
  const value = process.env[name]
  if (value == null || value === '') throw new Error(`${name} is not set`)
  return value
}
const dll = env('PLUGINMESH_DLL') // src/Cli/bin/<Configuration>/net10.0/pluginmesh.dll
const plugins = env('PLUGINMESH_PLUGINS') // artifacts/plugins/<Configuration>
const policies = env('PLUGINMESH_POLICIES') // the repository's policies/

/** A unix socket as a multiaddr (the path is one component, so its slashes are escaped). */
const unixAddress = path => multiaddr(`/unix/${encodeURIComponent(path)}`)

const work = mkdtempSync(join(tmpdir(), 'pm-interop-'))
// Daemon processes still running; a runner that ends (or dies) takes them with it.
const children = new Set()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
let spawned = 0

// What a spawn asks for that one side cannot do; null when it can. The suite's key files are named
// <impl>.<type>.key; the key type is read from the PrivateKey protobuf itself (field 1).
const KEY_TYPES = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA']
function unsupported (options) {
  if (options.transport != null && options.transport !== 'tcp') return `transport ${options.transport}`
  if (options.encryption != null && options.encryption !== 'noise') return `encryption ${options.encryption}`
  if (options.muxer != null && options.muxer !== 'yamux') return `muxer ${options.muxer}`
  if (options.dht === true) return 'DHT'
  if (options.pubsub === true) return `pubsub (${options.pubsubRouter ?? 'gossipsub'})`
  if (options.type === 'go' && options.key != null) {
    const bytes = readFileSync(options.key)
    if (bytes[0] !== 0x08 || bytes[1] !== 1) return `${KEY_TYPES[bytes[1]] ?? 'unknown'} identity key`
  }
  return null
}

/** `pluginmesh p2p daemon` in its own process: the ready line gives the control socket. */
async function spawnPluginMesh (options) {
  const n = ++spawned
  const control = join(work, `go-${n}.sock`)
  const config = join(work, `go-${n}.yaml`)
  writeFileSync(config, `node:\n  name: interop-${n}\n  dataDir: ${join(work, `data-${n}`)}\n  policiesDir: ${policies}\n`)
  const args = [dll, '--config', config, '--no-default-plugins', '--plugins-dir', plugins, 'p2p', 'daemon', '--control', control]
  args.push(...(options.noListen === true ? ['--no-listen'] : ['--listen', '/ip4/127.0.0.1/tcp/0']))
  if (options.key != null) {
    // The daemon takes only owner-readable key files; the suite's are installed 0644.
    const key = join(work, `go-${n}.key`)
    copyFileSync(options.key, key)
    chmodSync(key, 0o600)
    args.push('--key', key)
  }
  if (options.relay === true) args.push('--relay-service')
  const child = spawn('dotnet', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stderr.on('data', d => { stderr += d })
  const exited = new Promise(resolve => child.once('exit', code => { children.delete(child); resolve(code) }))
  const ready = await Promise.race([
    (async () => {
      for await (const line of createInterface({ input: child.stdout })) {
        if (line.startsWith('{')) return JSON.parse(line)
      }
      return null
    })(),
    exited.then(() => null)
  ])
  if (ready == null) throw new Error(`pluginmesh p2p daemon ${args.slice(9).join(' ')} exited before its ready line: ${stderr}`)
  let client
  try {
    client = createClient(unixAddress(ready.control))
  } catch (err) {
    child.kill('SIGTERM')
    throw err
  }
  return {
    client,
    async stop () {
      child.kill('SIGTERM')
      await exited
    }
  }
}

/** js-libp2p (the same packages as the other interop trees) behind @libp2p/daemon-server. */
async function spawnJs (options) {
  const n = ++spawned
  const control = join(work, `js-${n}.sock`)
  const init = {
    addresses: { listen: options.noListen === true ? [] : ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // Many short-lived nodes on one loopback address: js's 5 inbound connections per second per IP is too few.
    connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000 }
  }
  if (options.key != null) init.privateKey = privateKeyFromProtobuf(readFileSync(options.key))
  if (options.relay === true) init.services.relay = circuitRelayServer()
  const node = await createLibp2p(init)
  const server = createServer(unixAddress(control), node)
  await server.start()
  return {
    client: createClient(unixAddress(control)),
    async stop () { await server.stop() }
  }
}

const skips = []
const passedTests = []
// Why the next skipped tests are skipped: the last refusal (a suite's hook spawns, then its tests skip).
let lastRefusal = null
const factory = {
  async spawn (options) {
    const reason = unsupported(options)
    if (reason != null) {
      lastRefusal = `${options.type}: ${reason}`
      throw new UnsupportedError(lastRefusal)
    }
    return options.type === 'go' ? spawnPluginMesh(options) : spawnJs(options)
  }
}

const mocha = new Mocha({ reporter: 'spec', timeout: 60_000 })
mocha.suite.emit('pre-require', globalThis, 'interop', mocha)
// The streams suite's `before` does not catch UnsupportedError (connect's does, and skips itself):
// skip the suite's tests from the hook instead of failing it, and remember why.
for (const name of ['before', 'beforeEach']) {
  const hook = globalThis[name]
  globalThis[name] = function (title, fn) {
    if (typeof title === 'function') { fn = title; title = undefined }
    const wrapped = async function () {
      try {
        return await fn.call(this)
      } catch (err) {
        if (err?.name !== 'UnsupportedError') throw err
        this.skip()
      }
    }
    return title == null ? hook.call(this, wrapped) : hook.call(this, title, wrapped)
  }
}
connectInteropTests(factory)
streamInteropTests(factory)
relayInteropTests(factory)

const runner = mocha.run(failures => {
  rmSync(work, { recursive: true, force: true })
  const { passes, pending } = runner.stats
  console.log(JSON.stringify({ passed: passes, failed: failures, skipped: pending, skips, passedTests }))
  process.exit(failures > 0 ? 1 : 0)
})
runner.on('pass', test => { passedTests.push(test.fullTitle()) })
runner.on('pending', test => { skips.push({ test: test.fullTitle(), reason: lastRefusal ?? 'skipped by the suite' }) })
