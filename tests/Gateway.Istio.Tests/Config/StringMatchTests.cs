using PluginMesh.Plugins.Gateway.Istio.Model;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

public sealed class StringMatchTests
{
    [Theory]
    [InlineData(MatchKind.Exact, "/a", false, "/a", true)]
    [InlineData(MatchKind.Exact, "/a", false, "/A", false)]
    [InlineData(MatchKind.Exact, "/a", true, "/A", true)]
    [InlineData(MatchKind.Prefix, "/api", false, "/api/v1", true)]
    [InlineData(MatchKind.Prefix, "/api", false, "/ap", false)]
    [InlineData(MatchKind.Prefix, "", false, "", true)]
    [InlineData(MatchKind.Regex, "/v[12]/.*", false, "/v2/x", true)]
    [InlineData(MatchKind.Regex, "/v[12]", false, "/v2/x", false)]
    [InlineData(MatchKind.Regex, "/v[12]", false, "x/v2", false)]
    [InlineData(MatchKind.Regex, "a|b", false, "ab", false)]
    [InlineData(MatchKind.Regex, "a|b", false, "b", true)]
    [InlineData(MatchKind.Regex, "abc", false, "abc\n", false)]
    [InlineData(MatchKind.Regex, "/Users/(?P<id>[0-9]+)", true, "/users/7", true)]
    public void IsMatch_KindCaseAndWholeValue(MatchKind kind, string value, bool ignoreCase, string input, bool expected) =>
        Assert.Equal(expected, new StringMatch(kind, value, ignoreCase).IsMatch(input));

    [Fact]
    public void IsMatch_CatastrophicBacktrackingPattern_AnswersAtOnce()
    {
        // Exponential for a backtracking engine; linear for the one used (as RE2).
        var match = new StringMatch(MatchKind.Regex, "(a+)+b");
        Assert.False(match.IsMatch(new string('a', 5000) + "c"));
        Assert.True(match.IsMatch(new string('a', 5000) + "b"));
    }

    [Fact]
    public void IsMatch_RegexOverTime_IsNoMatch()
    {
        var match = new StringMatch(MatchKind.Regex, "(x|y)*z");
        var input = new string('x', 4_000_000) + "z";
        Assert.True(match.IsMatch(input, TimeSpan.FromMinutes(1)));
        Assert.False(match.IsMatch(input, TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void IsMatch_InvalidRegex_IsNoMatch_AndTheRegexIsNotPartOfTheValue()
    {
        Assert.False(new StringMatch(MatchKind.Regex, "([a-z").IsMatch("a"));
        var used = new StringMatch(MatchKind.Regex, "a.c");
        Assert.True(used.IsMatch("abc"));
        Assert.Equal(new StringMatch(MatchKind.Regex, "a.c"), used);
        Assert.Equal(new StringMatch(MatchKind.Regex, "a.c").GetHashCode(), used.GetHashCode());
        var changed = used with { Value = "x.z" };
        Assert.True(changed.IsMatch("xyz"));
        Assert.False(changed.IsMatch("abc"));
        Assert.True(used.IsMatch("abc"));
    }
}
