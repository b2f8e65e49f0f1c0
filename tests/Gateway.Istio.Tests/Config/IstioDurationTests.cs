using PluginMesh.Plugins.Gateway.Istio.Config;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

public sealed class IstioDurationTests
{
    [Theory]
    [InlineData("1.5s", 1500)]
    [InlineData("0s", 0)]
    [InlineData("100ms", 100)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("250us", 0.25)]
    [InlineData("3.000000001s", 3000.000001)]
    [InlineData(" 10s ", 10_000)]
    public void TryParse_ProtobufAndGoForms(string text, double milliseconds)
    {
        Assert.True(IstioDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond)), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-1s")]
    [InlineData("1.5")]
    [InlineData("s")]
    [InlineData("1x")]
    [InlineData("1s garbage")]
    [InlineData("99999999999999999999999h")]
    [InlineData("1..5s")]
    public void TryParse_NotADuration_False(string text) => Assert.False(IstioDuration.TryParse(text, out _));
}
