using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Input tables shared by the default tests, the scripts-equal-defaults test and the benchmark-like tests.</summary>
internal static class Inputs
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public static RelayCandidate Relay(string id, double? rtt, int failures = 0, double load = 0, string? label = null) =>
        new(id, rtt, failures, load, "directory", label is null ? NoLabels : new Dictionary<string, string> { ["pluginmesh.io/relay"] = label });

    public static EndpointCandidate Endpoint(string address, bool local = false, int active = 0, int failures = 0) =>
        new(address, local ? "this-node" : "other-node", local, active, failures);

    public static RelayElectionMember Member(string id, bool self = false, string reachability = "public", bool offers = false, int cores = 4, double memoryMiB = 4096, double uptime = 3600, double load = 0) =>
        new(id, self, reachability, offers, cores, memoryMiB, uptime, load);

    public static IEnumerable<RelaySelectionInput> RelayTable()
    {
        yield return new RelaySelectionInput(2, []);
        yield return new RelaySelectionInput(2, [Relay("a", 10)]);
        yield return new RelaySelectionInput(2, [Relay("a", 30), Relay("b", 10), Relay("c", 20)]);
        yield return new RelaySelectionInput(3, [Relay("a", null), Relay("b", 499), Relay("c", 501)]);
        yield return new RelaySelectionInput(1, [Relay("a", 10, failures: 3), Relay("b", 900, failures: 2)]);
        yield return new RelaySelectionInput(1, [Relay("a", 10, failures: 3), Relay("b", 20, failures: 5)]);
        yield return new RelaySelectionInput(2, [Relay("a", 100, load: 1), Relay("b", 150, load: 0)]);
        yield return new RelaySelectionInput(2, [Relay("z", 10), Relay("y", 10), Relay("Y", 10), Relay("é", 10)]);
        yield return new RelaySelectionInput(2, [Relay("a", 10, label: "avoid"), Relay("b", 900, label: "preferred"), Relay("c", 50), Relay("d", 60, label: "other")]);
        yield return new RelaySelectionInput(2, [Relay("dup", 90), Relay("x", 50), Relay("dup", 10)]);
        yield return new RelaySelectionInput(2, [Relay("a", 0.1, load: 0.3), Relay("b", 0.13, load: 0)]);

        var random = new Random(42);
        string[] labels = ["preferred", "avoid", "other"];
        for (var n = 0; n < 40; n++)
        {
            var count = random.Next(0, 25);
            var candidates = new List<RelayCandidate>();
            for (var i = 0; i < count; i++)
            {
                double? rtt = random.Next(5) == 0 ? null : Math.Round(random.NextDouble() * 800, random.Next(0, 4));
                var label = random.Next(4) == 0 ? labels[random.Next(labels.Length)] : null;
                candidates.Add(Relay("relay-" + random.Next(0, 30), rtt, random.Next(0, 6), Math.Round(random.NextDouble(), 2), label));
            }

            yield return new RelaySelectionInput(random.Next(1, 5), candidates);
        }
    }

    public static IEnumerable<FailureInput> FailureTable()
    {
        string[] operations = ["dial", "relay", "reserve", "holepunch", "endpoint", "unknown-op"];
        foreach (var operation in operations)
        {
            foreach (var attempt in new[] { -2, 0, 1, 2, 3, 4, 10, int.MaxValue })
            {
                foreach (var alternatives in new[] { 0, 1, 5 })
                {
                    foreach (var reason in new[] { "timeout", "refused" })
                        yield return new FailureInput(operation, "node-b", reason, attempt, 1234.5, alternatives);
                }
            }
        }
    }

    public static IEnumerable<ResyncInput> ResyncTable()
    {
        string[] triggers = ["startup", "reconnected", "watch-expired", "periodic", "something-new"];
        foreach (var trigger in triggers)
        {
            foreach (var since in new[] { -1, 0, 0.0001, 12.3456, 599.9, 599.9999, 600, 601, 1e9 })
            {
                foreach (var failures in new[] { 0, 1, 2, 5, 6, 7, 30, 2000, -1 })
                {
                    yield return new ResyncInput("kubernetes", trigger, since, failures, 12.5, 300);
                }
            }
        }
    }

    public static IEnumerable<EndpointPickInput> EndpointTable()
    {
        yield return new EndpointPickInput("ns/web", 80, "10.0.0.9", [Endpoint("10.1.0.1")]);
        yield return new EndpointPickInput("ns/web", 80, "10.0.0.9", [Endpoint("a", failures: 1), Endpoint("b", failures: 0, active: 9)]);
        yield return new EndpointPickInput("ns/web", 80, "10.0.0.9", [Endpoint("a", active: 0), Endpoint("b", local: true, active: 5)]);
        yield return new EndpointPickInput("ns/web", 80, "10.0.0.9", [Endpoint("a", active: 3), Endpoint("b", active: 2), Endpoint("c", active: 2)]);
        yield return new EndpointPickInput("ns/web", 80, "10.0.0.9", [Endpoint("a", local: true, failures: 2), Endpoint("b", failures: 1)]);

        var random = new Random(7);
        for (var n = 0; n < 40; n++)
        {
            var count = random.Next(1, 12);
            var candidates = new List<EndpointCandidate>();
            for (var i = 0; i < count; i++)
            {
                candidates.Add(Endpoint("10.2.0." + i, random.Next(3) == 0, random.Next(0, 4), random.Next(0, 3)));
            }

            yield return new EndpointPickInput("ns/api", 443, "10.0.0.1", candidates);
        }
    }

    public static IEnumerable<RelayElectionInput> ElectionTable()
    {
        yield return new RelayElectionInput(null, 2, []);
        yield return new RelayElectionInput("true", 2, []);
        yield return new RelayElectionInput("false", 2, [Member("s", self: true, cores: 64)]);
        yield return new RelayElectionInput("true", 0, [Member("s", self: true, reachability: "private")]);
        yield return new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "private", offers: true)]);
        yield return new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "unknown")]);
        yield return new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "Public")]);
        yield return new RelayElectionInput("", 1, [Member("s", self: true)]);
        yield return new RelayElectionInput("TRUE", 1, [Member("s", self: true, reachability: "private")]);
        yield return new RelayElectionInput(null, 0, [Member("s", self: true)]);
        yield return new RelayElectionInput(null, -1, [Member("s", self: true)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8, reachability: "private")]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8, reachability: "private", offers: true)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, memoryMiB: 4096.5), Member("a")]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, uptime: 3599.9), Member("a")]);
        yield return new RelayElectionInput(null, 1, [Member("b", self: true), Member("a")]);
        yield return new RelayElectionInput(null, 1, [Member("a", self: true), Member("b")]);
        yield return new RelayElectionInput(null, 1, [Member("a", self: true), Member("a")]);
        yield return new RelayElectionInput(null, 1, [Member("z", self: true), Member("Y"), Member("é")]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, cores: 16, load: 0.9), Member("a", cores: 1)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, cores: 16, load: 0.8999), Member("a", cores: 1)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, cores: 1), Member("a", cores: 16, load: 1)]);
        yield return new RelayElectionInput(null, 1, [Member("s", self: true, load: 0.95), Member("a", cores: 16, load: 1)]);
        yield return new RelayElectionInput(null, 2, [Member("s1", self: true, reachability: "private"), Member("s2", self: true)]);
        yield return new RelayElectionInput(null, 2, [Member("s", self: true, cores: 2), Member("a", cores: 8), Member("b", cores: 4), Member("c", cores: 1)]);

        var random = new Random(13);
        string?[] labels = [null, null, null, null, "true", "false", "auto", ""];
        string[] reachabilities = ["public", "public", "private", "unknown"];
        int[] cores = [1, 2, 4, 4, 8, 16];
        double[] memory = [512, 1920, 3840, 3840.5, 7680, 15872];
        double[] uptimes = [0, 12.25, 600, 3600, 86_400, 1e7];
        double[] loads = [0, 0, 0.1, 0.35, 0.8999, 0.9, 0.95, 1];
        for (var n = 0; n < 300; n++)
        {
            var count = random.Next(1, 13);
            var self = random.Next(20) == 0 ? -1 : random.Next(count);
            var segment = new List<RelayElectionMember>();
            for (var i = 0; i < count; i++)
            {
                segment.Add(new RelayElectionMember(
                    "12D3KooW" + (char)('A' + random.Next(0, 20)),
                    i == self,
                    reachabilities[random.Next(reachabilities.Length)],
                    random.Next(4) == 0,
                    cores[random.Next(cores.Length)],
                    memory[random.Next(memory.Length)],
                    uptimes[random.Next(uptimes.Length)],
                    random.Next(3) == 0 ? Math.Round(random.NextDouble(), 3) : loads[random.Next(loads.Length)]));
            }

            yield return new RelayElectionInput(labels[random.Next(labels.Length)], random.Next(0, 5), segment);
        }
    }

    public static RetireInput Silent(double seconds, bool apiConnected = false, string? tolerance = null) =>
        new("edge-1", seconds, apiConnected, apiConnected ? 0 : 120, "record",
            tolerance is null ? NoLabels : new Dictionary<string, string> { ["pluginmesh.io/tolerance-seconds"] = tolerance });

    public static IEnumerable<RetireInput> RetireTable()
    {
        string?[] tolerances = [null, "600", "60", "1", "0", "00", "0600", "-5", "+60", "60s", "5m", "1.5", "1e3", " 60", "60\n", "", "abc", "999999999", "1000000000", "\u0663\u0660"];
        double[] silences = [-1, 0, 0.5, 1, 59.999, 60, 299, 299.999, 300, 300.0001, 599, 600, 601, 3600, 1e9, 2e9];
        foreach (var apiConnected in new[] { false, true })
        {
            foreach (var tolerance in tolerances)
            {
                foreach (var silent in silences)
                {
                    yield return Silent(silent, apiConnected, tolerance);
                }
            }
        }

        // Other labels, and how the agent was last heard, change nothing.
        var labels = new Dictionary<string, string> { ["node-role.kubernetes.io/edge"] = "", ["pluginmesh.io/relay"] = "true", ["tolerance-seconds"] = "10" };
        foreach (var via in new[] { "record", "connection", "mdns", "never" })
        {
            yield return new RetireInput("edge-2", 301, false, 20, via, labels);
            yield return new RetireInput("edge-2", 11, false, 20, via, labels);
        }
    }
}
