using System.Text.RegularExpressions;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>
/// Every input example in policies/README.md is accepted and answered by the shipped script, and every
/// <c>pluginmesh policy eval</c> shown in docs/policies.md prints the answer written under it.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    private static string PoliciesDoc => Path.Combine(Repo.Root, "docs", "policies.md");

    [Theory]
    [InlineData("rankRelays", "relay-selection.js")]
    [InlineData("onFailure", "failover.js")]
    [InlineData("shouldResync", "resync.js")]
    [InlineData("pickEndpoint", "endpoint.js")]
    [InlineData("electRelay", "relay-election.js")]
    [InlineData("shouldRetire", "retire.js")]
    public void Readme_InputExample_EvaluatesWithoutFallback(string function, string file)
    {
        var readme = File.ReadAllText(Path.Combine(Repo.PoliciesDirectory, "README.md"));
        var section = readme.Split("\n## ").Single(s => s.StartsWith(function + " ", StringComparison.Ordinal));
        var input = JsonBlock().Match(section);
        Assert.True(input.Success, $"README section {function} has no json example");

        var result = PolicyEvaluator.Evaluate(function, Path.Combine(Repo.PoliciesDirectory, file), input.Groups[1].Value, TempPolicyDir.Options(Repo.PoliciesDirectory));

        Assert.False(result.Fallback, result.Reason);
    }

    [Theory]
    [InlineData("electRelay", "relay-election.js")]
    [InlineData("shouldRetire", "retire.js")]
    public void PoliciesDoc_HookInputExample_EvaluatesWithoutFallback(string function, string file)
    {
        // The older hooks' sections have their JSON examples checked through the README; these two
        // sections carry their own.
        var section = Sections(File.ReadAllText(PoliciesDoc)).Single(s => s.Heading == $"## `{function}`");
        var input = JsonBlock().Match(section.Text);
        Assert.True(input.Success, $"docs/policies.md section {function} has no json example");

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

    /// <summary>
    /// Each <c>$ pluginmesh policy eval</c> of docs/policies.md, outside "Testing a policy" (whose examples
    /// show a broken script that is not on the page, and an input error): heading, function, file, input,
    /// and the line printed under it.
    /// </summary>
    public static TheoryData<string, string, string, string, string> DocEvals()
    {
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var section in Sections(File.ReadAllText(PoliciesDoc)).Where(s => s.Heading != "## Testing a policy"))
        {
            var variables = ShellVariable().Matches(section.Text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            foreach (Match eval in DocEval().Matches(section.Text))
            {
                var input = eval.Groups[3].Success ? eval.Groups[3].Value : variables[eval.Groups[4].Value];
                data.Add(section.Heading, eval.Groups[1].Value, eval.Groups[2].Value, input, eval.Groups[5].Value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DocEvals))]
    public void PoliciesDoc_EvalExample_PrintsDocumentedAnswer(string heading, string function, string file, string input, string expected)
    {
        using var dir = new TempPolicyDir();
        string path;
        if (file.StartsWith("policies/", StringComparison.Ordinal))
        {
            path = Path.Combine(Repo.Root, file);
        }
        else
        {
            // The script of a worked example is the js block of its own section, saved under the name used.
            var script = JsBlock().Matches(Sections(File.ReadAllText(PoliciesDoc)).Single(s => s.Heading == heading).Text);
            Assert.True(script.Count == 1, $"{heading}: evaluates {file} but has {script.Count} js blocks");
            path = dir.Write(file, script[0].Groups[1].Value);
        }

        var result = PolicyEvaluator.Evaluate(function, path, input, TempPolicyDir.Options(dir.Path));

        Assert.True(expected == result.Json, $"{heading}: {function} --file {file}: documented {expected}, got {result.Json}");
    }

    [Fact]
    public void PoliciesDoc_EvalExamples_CoverEveryFunction_AndBothAnswersOfTheBooleanHooks()
    {
        var evals = DocEvals().Select(row => (Function: (string)row[1], Printed: (string)row[4])).ToList();
        Assert.All(PolicyEvaluator.Functions, f => Assert.Contains(evals, e => e.Function == f));
        foreach (var answer in new[] { """{"offer":true}""", """{"offer":false}""", """{"retire":true}""", """{"retire":false}""" })
        {
            Assert.Contains(evals, e => e.Printed == answer);
        }
    }

    private static IEnumerable<(string Heading, string Text)> Sections(string markdown) =>
        HeadingSplit().Split(markdown)
            .Where(chunk => chunk.StartsWith('#'))
            .Select(chunk => (chunk[..chunk.IndexOf('\n', StringComparison.Ordinal)], chunk));

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("```js\\n(.*?\\n)```", RegexOptions.Singleline)]
    private static partial Regex JsBlock();

    [GeneratedRegex(@"pluginmesh policy eval (\w+) --file (\S+) \\\n\s+--input '([^']+)'\n# -> (\S+)")]
    private static partial Regex EvalExample();

    // Multi-line shell variables: $ I='{ ... }'
    [GeneratedRegex(@"^\$ (\w+)='([^']*)'", RegexOptions.Multiline)]
    private static partial Regex ShellVariable();

    // $ pluginmesh policy eval F --file X --input '<json>' | "$I"  [# comment], then the printed line.
    [GeneratedRegex(@"^\$ pluginmesh policy eval (\w+) --file (\S+) --input (?:'([^'\n]*)'|""\$(\w+)"")(?:[ \t]+#[^\n]*)?\n([^\n]+)", RegexOptions.Multiline)]
    private static partial Regex DocEval();

    [GeneratedRegex(@"\n(?=#{2,3} )")]
    private static partial Regex HeadingSplit();
}
