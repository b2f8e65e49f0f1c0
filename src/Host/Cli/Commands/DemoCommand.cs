using System.Globalization;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Demo;
using PluginMesh.Host.Hosting;

namespace PluginMesh.Host.Cli.Commands;

/// <summary><c>pluginmesh demo</c>: a small mesh on loopback showing DNS, cross-node requests, relays and failover.</summary>
internal static class DemoCommand
{
    public static CliCommand Command { get; } = new("demo", "Start a 4-agent mesh on loopback and show DNS, cross-node traffic through relays and failover", """
        Usage: pluginmesh demo [--netns [--no-hole-punch]] [--requests N] [--keep] [--dir DIR] [--plugins-dir DIR]... [--no-default-plugins]

        Starts four agents as separate processes on 127.0.0.1 — no root, no Kubernetes:
          relay-1, relay-2   relays (Circuit Relay v2 hop service) sharing a private-network key
          edge-a, edge-b     dial-only nodes (no listener, like nodes behind NATs that drop inbound
                             connections): each reserves on both relays and is reached through them
        and a sample service web.demo (file catalog) with one backend on each edge node. It then:
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
        """, async (argv, io) =>
        {
            var args = new CliArgs(argv, [.. GlobalOptions.Values, "requests", "dir"], [.. GlobalOptions.Flags, "keep", "netns", "no-hole-punch"]);
            if (args.Positionals.Count > 0) throw new UsageException("demo takes no arguments");
            var requests = 20;
            if (args.Value("requests") is { } r && !(int.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out requests) && requests is >= 1 and <= 1000))
                throw new UsageException("--requests takes 1 to 1000");
            var dir = args.Value("dir") is { } d ? Path.GetFullPath(d) : null;
            // Plugins and policies are found (or unpacked from a single-file binary) once, here, and
            // handed to the four agents, so they do not each unpack the bundle into their data dirs.
            var settings = HostSettingsBinder.Bind(ConfigLoader.Load(args.Value("config")).Root, []);
            var problems = new List<ConfigProblem>();
            // The agents are handed exactly these directories, so a default one that does not exist is left out, not named.
            var pluginDirs = AgentPaths.PluginDirectories(GlobalOptions.PluginDirs(args), settings, problems).Where(Directory.Exists).ToList();
            if (problems.Count > 0) throw new ConfigValidationException(problems);
            var policiesDir = AgentPaths.PoliciesDirectory(settings.Node.PoliciesDirectory, settings.Node.DataDirectory);
            DemoNetwork network;
            if (args.Flag("netns"))
            {
                try
                {
                    NetnsDemoNetwork.CheckPrerequisites();
                }
                catch (DemoException ex)
                {
                    await io.Error.WriteLineAsync($"pluginmesh demo: {ex.Message}");
                    return 1;
                }
                network = new NetnsDemoNetwork(holePunch: !args.Flag("no-hole-punch"));
            }
            else
            {
                if (args.Flag("no-hole-punch")) throw new UsageException("--no-hole-punch goes with --netns (on loopback the edges are relay-only anyway)");
                network = new LoopbackDemoNetwork();
            }
            var story = new DemoStory(io.Out, new DemoOptions(requests, args.Flag("keep"), dir, pluginDirs, Path.GetFullPath(policiesDir)), network);
            return await story.RunAsync(io.Cancel);
        });
}
