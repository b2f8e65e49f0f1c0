namespace PluginMesh.Plugins.Proxy.Iptables.Tests;

public sealed class ModeChoiceTests
{
    private static bool Yes() => true;
    private static bool No() => false;

    [Fact]
    public void Auto_AsRoot_WithNetAdminAndIptables_IsIptables()
    {
        var choice = ModeChoice.Resolve(ProxyMode.Auto, null, root: true, Yes, tool => tool == "iptables-nft-save");
        Assert.Equal(ProxyMode.Iptables, choice.Mode);
        Assert.False(choice.FellBack);
    }

    [Fact]
    public void Auto_NotRoot_IsListen_WithoutWarning()
    {
        var choice = ModeChoice.Resolve(ProxyMode.Auto, null, root: false, Yes, _ => true);
        Assert.Equal((ProxyMode.Listen, "auto: not running as root", false), (choice.Mode, choice.Reason, choice.FellBack));
    }

    [Fact]
    public void Auto_AsRoot_WithoutIptablesTools_FallsBackToListen_NamingWhatIsMissing()
    {
        var asked = new List<string>();
        var choice = ModeChoice.Resolve(ProxyMode.Auto, null, root: true, Yes, tool => { asked.Add(tool); return false; });
        Assert.Equal(ProxyMode.Listen, choice.Mode);
        Assert.True(choice.FellBack);
        Assert.Equal(["iptables-save", "iptables-legacy-save", "iptables-nft-save"], asked);
        Assert.Contains("no iptables tools found (iptables-save, iptables-legacy-save, iptables-nft-save not on PATH", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_AsRoot_WithoutNetAdmin_FallsBackToListen()
    {
        var choice = ModeChoice.Resolve(ProxyMode.Auto, null, root: true, No, _ => true);
        Assert.Equal(ProxyMode.Listen, choice.Mode);
        Assert.True(choice.FellBack);
        Assert.Contains("CAP_NET_ADMIN", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_WithIptablesBinaryConfigured_TrustsIt_SoAMissingOneFailsTheStartLoudly()
    {
        var choice = ModeChoice.Resolve(ProxyMode.Auto, "/opt/bin/iptables-legacy", root: true, Yes, _ => false);
        Assert.Equal(ProxyMode.Iptables, choice.Mode);
    }

    [Theory]
    [InlineData(ProxyMode.Iptables)]
    [InlineData(ProxyMode.Listen)]
    public void Configured_IsKept_WhateverTheMachine(ProxyMode configured)
    {
        var choice = ModeChoice.Resolve(configured, null, root: false, No, _ => false);
        Assert.Equal((configured, "configured", false), (choice.Mode, choice.Reason, choice.FellBack));
    }

    [Fact]
    public void ThisProcess_ResolvesWithoutThrowing()
    {
        var choice = ModeChoice.Resolve(new ProxyOptions());
        Assert.NotEqual(ProxyMode.Auto, choice.Mode);
        Assert.StartsWith("auto: ", choice.Reason, StringComparison.Ordinal);
    }
}
