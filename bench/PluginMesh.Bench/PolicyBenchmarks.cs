using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Jint;
using Jint.Native;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies;
using PluginMesh.Host.Policies.Defaults;
using PluginMesh.Host.Policies.Scripting;

namespace PluginMesh.Bench;

/// <summary>
/// Cost of asking a policy through the Jint sandbox instead of the built-in C# default.
/// Category <c>RankRelays</c>: 20 candidates through the shipped policies/relay-selection.js (validated
/// answer, pooled sandbox) vs <see cref="DefaultRelaySelectionPolicy"/> (baseline).
/// Category <c>OnFailure</c>: the fixed cost of one sandboxed call on a tiny input (policies/failover.js).
/// Category <c>Input</c>: why inputs are built as <c>JsObject</c>s rather than parsed from JSON.
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- --filter '*Policy*'
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PolicyBenchmarks
{
    private static readonly JsonSerializerOptions Camel = new(JsonSerializerDefaults.Web);

    private PolicyEngine _engine = null!;
    private DefaultRelaySelectionPolicy _default = null!;
    private RelaySelectionInput _input = null!;
    private DefaultFailoverPolicy _failoverDefault = null!;
    private FailureInput _failure = null!;
    private Engine _jint = null!;
    private JsValue _jsonParse = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policies = Path.Combine(FindRepoRoot(), "policies");
        _engine = new PolicyEngine(new PolicyEngineOptions { Directory = policies }, NullLogger<PolicyEngine>.Instance, TimeProvider.System);
        _engine.Reload();
        if (_engine.Status.Single(s => s.Name == "relay-selection").Using != "script")
        {
            throw new InvalidOperationException("bench: policies/relay-selection.js did not load from " + policies);
        }

        _default = new DefaultRelaySelectionPolicy();
        var random = new Random(20);
        var candidates = new List<RelayCandidate>();
        for (var i = 0; i < 20; i++)
        {
            var labels = new Dictionary<string, string>();
            if (i % 7 == 0)
            {
                labels["pluginmesh.io/relay"] = i % 2 == 0 ? "preferred" : "avoid";
            }

            candidates.Add(new RelayCandidate(
                $"12D3KooWRelay{i:D2}",
                i % 5 == 0 ? null : Math.Round(random.NextDouble() * 300, 1),
                random.Next(0, 4),
                Math.Round(random.NextDouble(), 2),
                "directory",
                labels));
        }

        _input = new RelaySelectionInput(3, candidates);
        _failoverDefault = new DefaultFailoverPolicy();
        _failure = new FailureInput("dial", "edge-7", "timeout", 2, 5012.5, 0);
        _jint = new Engine();
        _jsonParse = _jint.Evaluate("JSON.parse");

        // Both paths must agree, or the comparison means nothing.
        if (!_default.RankRelays(_input).Relays.SequenceEqual(_engine.RankRelays(_input).Relays)
            || _failoverDefault.OnFailure(_failure) != _engine.OnFailure(_failure))
        {
            throw new InvalidOperationException("bench: script and default disagree on the benchmark input");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _jint.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("RankRelays")]
    public RelaySelectionResult RankRelays_Default() => _default.RankRelays(_input);

    [Benchmark]
    [BenchmarkCategory("RankRelays")]
    public RelaySelectionResult RankRelays_Script() => _engine.RankRelays(_input);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("OnFailure")]
    public FailoverDecision OnFailure_Default() => _failoverDefault.OnFailure(_failure);

    [Benchmark]
    [BenchmarkCategory("OnFailure")]
    public FailoverDecision OnFailure_Script() => _engine.OnFailure(_failure);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Input")]
    public JsValue Input_JsObject() => RelaySelectionBinding.Instance.ToJs(_jint, _input);

    [Benchmark]
    [BenchmarkCategory("Input")]
    public JsValue Input_JsonParse() => _jint.Call(_jsonParse, JsonSerializer.Serialize(_input, Camel));

    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "policies")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("bench: repository root with policies/ not found above " + AppContext.BaseDirectory);
    }
}
