namespace PluginMesh.Demo.Tests;

public sealed class DemoArgumentsTests
{
    private static DemoCommandLine Line(string[] positionals, (string Key, string Value)[] values, params string[] flags) =>
        new(positionals, values.ToDictionary(v => v.Key, v => v.Value), flags.ToHashSet());

    [Fact]
    public void Read_NothingGiven_IsTheLoopbackStoryWithDefaults() =>
        Assert.Equal(new DemoArguments(20, false, null, false, false), DemoArguments.Read(Line([], [])));

    [Fact]
    public void Read_EveryOption_IsTakenAsGiven()
    {
        var args = DemoArguments.Read(Line([], [("requests", "7"), ("dir", "work")], "keep", "netns", "no-hole-punch"));

        Assert.Equal(new DemoArguments(7, true, Path.GetFullPath("work"), true, true), args);
    }

    [Theory]
    [InlineData("demo takes no arguments", "now", null)]
    [InlineData("--requests takes 1 to 1000", null, "0")]
    [InlineData("--requests takes 1 to 1000", null, "1001")]
    [InlineData("--requests takes 1 to 1000", null, "many")]
    public void Read_OutsideTheUsage_SaysWhat(string message, string? positional, string? requests)
    {
        var line = Line(positional is null ? [] : [positional], requests is null ? [] : [("requests", requests)]);

        Assert.Equal(message, Assert.Throws<DemoUsageException>(() => DemoArguments.Read(line)).Message);
    }

    [Fact]
    public void Options_AreTheOnesTheUsageNames()
    {
        foreach (var option in DemoCommand.ValueOptions.Concat(DemoCommand.FlagOptions))
            Assert.Contains("--" + option, DemoCommand.Usage, StringComparison.Ordinal);
    }
}
