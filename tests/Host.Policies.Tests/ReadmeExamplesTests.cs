using System.Text.RegularExpressions;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Every input example in policies/README.md is accepted and answered by the shipped script.</summary>
public sealed partial class ReadmeExamplesTests
{
    [Theory]
    [InlineData("rankRelays", "relay-selection.js")]
    [InlineData("onFailure", "failover.js")]
    [InlineData("shouldResync", "resync.js")]
    [InlineData("pickEndpoint", "endpoint.js")]
    public void Readme_InputExample_EvaluatesWithoutFallback(string function, string file)
    {
        var readme = File.ReadAllText(Path.Combine(Repo.PoliciesDirectory, "README.md"));
        var section = readme.Split("\n## ").Single(s => s.StartsWith(function + " ", StringComparison.Ordinal));
        var input = JsonBlock().Match(section);
        Assert.True(input.Success, $"README section {function} has no json example");

        var result = PolicyEvaluator.Evaluate(function, Path.Combine(Repo.PoliciesDirectory, file), input.Groups[1].Value, TempPolicyDir.Options(Repo.PoliciesDirectory));

        Assert.False(result.Fallback, result.Reason);
    }

    [Fact]
    public void Readme_EvalExample_PrintsDocumentedAnswer()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.PoliciesDirectory, "README.md"));
        var example = EvalExample().Match(readme);
        Assert.True(example.Success, "README has no policy eval example");

        var result = PolicyEvaluator.Evaluate(example.Groups[1].Value, Path.Combine(Repo.Root, example.Groups[2].Value), example.Groups[3].Value, TempPolicyDir.Options(Repo.PoliciesDirectory));

        Assert.Equal(example.Groups[4].Value, result.Json);
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"pluginmesh policy eval (\w+) --file (\S+) \\\n\s+--input '([^']+)'\n# -> (\S+)")]
    private static partial Regex EvalExample();
}
