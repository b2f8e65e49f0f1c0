using BenchmarkDotNet.Running;
using PluginMesh.Bench.Tunnel;

// `tunnel`: plain timed runs of the libp2p tunnel against raw TCP and js-libp2p (see Tunnel/TunnelBench.cs).
// Anything else goes to BenchmarkDotNet (hot paths: --filter '*Libp2p*', '*Dns*', '*Policy*').
if (args.Length > 0 && args[0] == "tunnel") return await TunnelBench.RunAsync(args[1..]);
// `relay`: relayed vs direct throughput and relay memory per circuit (RelayBench.cs); `relay-serve` is its relay child process.
if (args is ["relay" or "relay-serve", ..]) return await PluginMesh.Bench.RelayBench.RunAsync(args);
// `cache`: upsert latency and rate of cache.litedb per sync mode (always / periodic / os) (CacheBench.cs).
if (args is ["cache", ..]) return await PluginMesh.Bench.CacheBench.RunAsync(args);
// `directory`: range sync of directory.p2p at 1 000 / 5 000 / 20 000 records (DirectoryBench.cs).
if (args is ["directory", ..]) return await PluginMesh.Bench.DirectoryBench.RunAsync(args);
// `gateway-serve` / `http-load`: gateway.istio's HTTP forwarding and its load generator (GatewayBench.cs, bench/gateway.sh).
if (args is ["gateway-serve" or "yarp-serve" or "http-load", ..]) return await PluginMesh.Bench.GatewayBench.RunAsync(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
