namespace PluginMesh.Demo;

/// <summary>
/// <c>pluginmesh demo</c>: a small mesh on loopback (or, as root, in network namespaces behind
/// NATs) showing DNS, cross-node requests, relays, hole punching and failover, with the demo as the
/// agents' Kubernetes API server.
/// </summary>
/// <remarks>
/// <see cref="Name"/>, <see cref="Summary"/> and <see cref="Usage"/> are constants on purpose: the
/// host compiles them into its own command table, so listing commands, matching one and printing
/// <c>demo --help</c> never load this assembly. Only <see cref="RunAsync"/> does, which keeps the
/// demo out of every agent (<c>pluginmesh up</c>).
/// </remarks>
public static class DemoCommand
{
    /// <summary>The command's word after <c>pluginmesh</c>.</summary>
    public const string Name = "demo";

    /// <summary>One line for the command list.</summary>
    public const string Summary = "Start a 4-agent mesh on loopback and show DNS, cross-node traffic through relays and failover";

    /// <summary>Full help.</summary>
    public const string Usage = """
        Usage: pluginmesh demo [--netns [--no-hole-punch]] [--requests N] [--keep] [--dir DIR] [--plugins-dir DIR]... [--no-default-plugins]

        Starts four agents as separate processes on 127.0.0.1 — no root, no Kubernetes: the demo
        plays the cluster's Kubernetes API server (Nodes, a Service, its EndpointSlices; each agent
        publishes its PeerId, addresses and relay offer on its own Node and learns the others there):
          relay-1, relay-2   public nodes on the relay defaults, elected relays (Circuit Relay v2
                             hop service) once AutoNAT finds them public; a shared private-network key
          edge-a, edge-b     dial-only nodes (no listener, like nodes behind NATs that drop inbound
                             connections) with no relay in their configuration: each finds the
                             elected relays, reserves on both and is reached through them
        and a sample service web.demo with one backend on each edge node. It then:
          1. asks each edge's DNS for web.demo.svc.cluster.local (→ its ClusterIP)
          2. sends N requests (default 20) from each edge through its proxy (listen mode): some are
             served locally, the others cross to the other edge through a relay
          3. kills (SIGKILL) the relay carrying that traffic and measures how long until the other
             edge answers again (through the other relay), then sends N requests again
        and prints a summary table. Exit 0 when every step worked, 1 otherwise (the agents' configs
        and logs are kept then and their directory is printed).

        --netns        (root) the same story in network namespaces: relays on a public segment, each
                       edge behind its own NAT router (so the edges meet through a relay and then
                       hole-punch), ClusterIP traffic intercepted by iptables, DNS on 169.254.96.16
        --no-hole-punch  with --netns: DCUtR off, so traffic stays relayed and the relay kill
                       shows failover to the other relay through the NATs
        --requests N   requests per edge node and phase (1–1000, default 20)
        --keep         leave the mesh running after the story until Ctrl-C
        --dir DIR      put configs, data and logs in DIR (kept) instead of a temporary directory
        """;

    /// <summary>The demo's own options that take a value (the binary's global ones come on top).</summary>
    public static IReadOnlyList<string> ValueOptions { get; } = ["requests", "dir"];

    /// <summary>The demo's own flags.</summary>
    public static IReadOnlyList<string> FlagOptions { get; } = ["keep", "netns", "no-hole-punch"];

    /// <summary>Runs the story; returns the exit code: 0 when every step worked, 1 otherwise.</summary>
    /// <param name="commandLine">The demo's own options as the host read them from the command line.</param>
    /// <param name="host">The binary the demo runs in.</param>
    /// <param name="cancellationToken">Cancelled on SIGINT/SIGTERM: the agents are stopped.</param>
    /// <exception cref="DemoUsageException">The command line does not fit <see cref="Usage"/>.</exception>
    public static async Task<int> RunAsync(DemoCommandLine commandLine, IDemoHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var args = DemoArguments.Read(commandLine);
        // Plugins and policies are found (or unpacked from a single-file binary) once, here, and
        // handed to the four agents, so they do not each unpack the bundle into their data dirs.
        var paths = host.ResolvePaths();
        DemoNetwork network;
        if (args.Netns)
        {
            try
            {
                NetnsDemoNetwork.CheckPrerequisites();
            }
            catch (DemoException ex)
            {
                await host.Error.WriteLineAsync($"pluginmesh demo: {ex.Message}");
                return 1;
            }
            network = new NetnsDemoNetwork(holePunch: !args.NoHolePunch);
        }
        else
        {
            if (args.NoHolePunch) throw new DemoUsageException("--no-hole-punch goes with --netns (on loopback the edges are relay-only anyway)");
            network = new LoopbackDemoNetwork();
        }
        var options = new DemoOptions(args.Requests, args.Keep, args.WorkDir, paths.PluginDirectories, Path.GetFullPath(paths.PoliciesDirectory));
        return await new DemoStory(host, options, network).RunAsync(cancellationToken);
    }
}
