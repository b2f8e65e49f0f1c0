using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using static PluginMesh.Host.Policies.Tests.Inputs;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultNodeRetirePolicyTests
{
    [Theory]
    [InlineData("API connected: never", 1e9, true, null, false)]
    [InlineData("API connected: the label does not matter", 100, true, "60", false)]
    [InlineData("just short of five minutes", 299.999, false, null, false)]
    [InlineData("five minutes", 300, false, null, true)]
    [InlineData("long silent", 3600, false, null, true)]
    [InlineData("label widens the window", 599, false, "600", false)]
    [InlineData("label widens the window, reached", 600, false, "600", true)]
    [InlineData("label narrows the window", 60, false, "60", true)]
    [InlineData("leading zeros are still the integer", 599, false, "0600", false)]
    [InlineData("zero is ignored", 299, false, "0", false)]
    [InlineData("negative is ignored", 299, false, "-5", false)]
    [InlineData("a unit is not an integer", 299, false, "60s", false)]
    [InlineData("a fraction is not an integer", 299, false, "1.5", false)]
    [InlineData("spaces are not digits", 299, false, " 60", false)]
    [InlineData("empty is ignored", 300, false, "", true)]
    [InlineData("nine digits", 1e9, false, "999999999", true)]
    [InlineData("ten digits are ignored", 300, false, "1000000000", true)]
    [InlineData("non-ASCII digits are ignored", 299, false, "\u0663\u0660", false)]
    public void ShouldRetire_Table_DecidesAsDocumented(string scenario, double silentSeconds, bool apiConnected, string? tolerance, bool retire)
    {
        var decision = new DefaultNodeRetirePolicy().ShouldRetire(Silent(silentSeconds, apiConnected, tolerance));
        Assert.True(decision.Retire == retire, scenario);
    }

    [Theory]
    [InlineData(297, null, 3)]      // kept 3 s before the window ends: ask again then
    [InlineData(299.5, null, 1)]    // half a second left: a second (the directory's rounds are 2 s apart)
    [InlineData(0, null, 60)]       // five minutes left: at most a minute
    [InlineData(50, "60", 10)]      // the node's own window
    public void ShouldRetire_Kept_SaysWhenItsWindowEnds(double silentSeconds, string? tolerance, int recheck)
    {
        var decision = new DefaultNodeRetirePolicy().ShouldRetire(Silent(silentSeconds, false, tolerance));
        Assert.Equal(new RetireDecision(false, recheck), decision);
    }

    [Fact]
    public void ShouldRetire_RetiredOrApiConnected_NoRecheck()
    {
        Assert.Equal(new RetireDecision(true), new DefaultNodeRetirePolicy().ShouldRetire(Silent(300, false, null)));
        Assert.Equal(new RetireDecision(false), new DefaultNodeRetirePolicy().ShouldRetire(Silent(10, true, null)));
    }
}
