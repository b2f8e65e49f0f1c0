using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests;

public sealed class Socks5OptionsTests
{
    private static (Socks5Options Options, List<string> Problems) Read(bool root, params (string, string?)[] section)
    {
        var problems = new List<string>();
        var options = Socks5Options.Read(DictionaryConfiguration.Of(section), "/var/lib/pluginmesh", root, (k, m) => problems.Add($"{k}: {m}"));
        return (options, problems);
    }

    [Fact]
    public void Defaults_AsRoot_AgentAddress_NoAuth_Port22()
    {
        var (o, problems) = Read(root: true);
        Assert.Empty(problems);
        Assert.Equal("169.254.96.16:10800", Assert.Single(o.Listen).ToString());
        Assert.False(o.AuthRequired);
        Assert.Equal([22], o.AllowedPorts);
        Assert.True(o.Serve);
        Assert.Equal(TimeSpan.FromSeconds(10), o.ConnectTimeout);
        Assert.Equal("127.0.0.1:10800", Assert.Single(Read(root: false).Options.Listen).ToString());
    }

    [Fact]
    public void ListenBeyondLocal_RequiresAuth_AndThusACredentialsFile()
    {
        var (_, problems) = Read(true, ("listen", "0.0.0.0:1080"));
        Assert.Equal(["credentialsFile: required because listen 0.0.0.0:1080 is beyond loopback and 169.254.96.16: give a file of user:password lines (mode 0600), or auth: off to let anyone who reaches it in"], problems);

        var (o, none) = Read(true, ("listen", "0.0.0.0:1080"), ("credentialsFile", "socks5.credentials"));
        Assert.Empty(none);
        Assert.True(o.AuthRequired);
        Assert.Equal("/var/lib/pluginmesh/socks5.credentials", o.CredentialsFile);

        var (off, offProblems) = Read(true, ("listen", "0.0.0.0:1080"), ("auth", "off"));
        Assert.Empty(offProblems);
        Assert.False(off.AuthRequired);
    }

    [Fact]
    public void LocalListen_WithACredentialsFile_RequiresAuth()
    {
        var (o, problems) = Read(false, ("listen:0", "127.0.0.1:10800"), ("listen:1", "[::1]:10800"), ("credentialsFile", "/etc/pluginmesh/socks"));
        Assert.Empty(problems);
        Assert.True(o.AuthRequired);
        Assert.Equal(2, o.Listen.Count);
    }

    [Fact]
    public void EmptyListen_MeansServeOnly()
    {
        var (o, problems) = Read(true, ("listen", ""));
        Assert.Empty(problems);
        Assert.Empty(o.Listen);
    }

    [Fact]
    public void BadValues_EachNamed_AllAtOnce()
    {
        var (_, problems) = Read(true, ("listen:0", "10800"), ("listen:1", "::1"), ("listen:2", "127.0.0.1:1"), ("listen:3", "127.0.0.1:1"),
            ("auth", "maybe"), ("allowedPorts:0", "22"), ("allowedPorts:1", "0"), ("allowedPorts:2", "ssh"),
            ("serve", "yes"), ("connectTimeoutSeconds", "0"), ("maxConnections", "x"), ("mode", "socks"));
        Assert.Equal(
        [
            "mode: unknown key; expected one of: listen, auth, credentialsFile, allowedPorts, serve, connectTimeoutSeconds, maxConnections",
            "listen:0: '10800' is not ip:port (IPv6 as [addr]:port; port 0 picks a free one)",
            "listen:1: '::1' is not ip:port (IPv6 as [addr]:port; port 0 picks a free one)",
            "listen:3: 127.0.0.1:1 is listed twice",
            "auth: 'maybe' is not auto, on or off",
            "allowedPorts:1: '0' is not a TCP port (1-65535)",
            "allowedPorts:2: 'ssh' is not a TCP port (1-65535)",
            "serve: 'yes' is not true or false",
            "connectTimeoutSeconds: '0' is not a whole number from 1 to 300",
            "maxConnections: 'x' is not a whole number from 1 to 65536",
        ], problems);
    }

    [Fact]
    public void Plugin_Descriptor_ProvidesNodeProxy_UsesTunnelDirectoryCatalog()
    {
        var d = new ProxySocks5Plugin().Descriptor;
        Assert.Equal("proxy.socks5", d.Id);
        Assert.Equal([Capabilities.NodeProxy], d.Provides);
        Assert.Empty(d.Requires);
        Assert.Equal([Capabilities.Tunnel, Capabilities.Directory, Capabilities.CatalogSource], d.Uses);
    }

    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var section = ReadmeYaml.PluginSection(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"), "proxy.socks5");
        var problems = new List<ConfigProblem>();
        new ProxySocks5Plugin().Validate(new PluginValidationContext("proxy.socks5", section, "plugins.proxy.socks5", problems));
        Assert.Empty(problems);
        var o = Socks5Options.Read(section, "/data", isRoot: true, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal("169.254.96.16:10800", Assert.Single(o.Listen).ToString());
        Assert.True(o.AuthRequired);
        Assert.Equal("/data/socks5.credentials", o.CredentialsFile);
        Assert.Equal([22], o.AllowedPorts);
        Assert.Equal(256, o.MaxConnections);
    }
}
