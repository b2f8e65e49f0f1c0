using System.Diagnostics;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// The real <c>pluginmesh</c> as its build leaves it, with the default plugins in plugins/ beside it:
/// extra plugin directories add to those, <c>--no-default-plugins</c> leaves them out, and the same id
/// in two directories is an error naming both paths.
/// </summary>
public sealed class PluginDirectoriesProcessTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string DefaultDir => Path.Combine(Path.GetDirectoryName(TestPaths.HostWithDefaultPluginsDll)!, "plugins");

    [Theory]
    [InlineData("--plugins-dir", true)]
    [InlineData("env", true)]
    [InlineData("--no-default-plugins", false)]
    public async Task Plugins_ExtraDirectory_AddsToTheDefault_UnlessTheDefaultIsLeftOut(string how, bool expectDefault)
    {
        var extra = _tmp.PluginFolder("extra.good", "Good");
        var args = how switch
        {
            "--plugins-dir" => new[] { "--plugins-dir", extra },
            "--no-default-plugins" => ["--no-default-plugins", "--plugins-dir", extra],
            _ => [],
        };
        var env = how == "env" ? new Dictionary<string, string> { ["PLUGINMESH__NODE__PLUGINDIRS__0"] = extra } : [];
        var config = _tmp.File("c.yaml", $"profile: none\nnode:\n  dataDir: {_tmp.Path}/data\n");
        var (code, output, error) = await Run(env, ["plugins", "--json", "--config", config, .. args]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var dirs = doc.RootElement.GetProperty("directories").EnumerateArray().Select(d => d.GetString()).ToList();
        var ids = doc.RootElement.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("path").GetString()!);
        Assert.Equal(expectDefault ? [DefaultDir, extra] : [extra], dirs);
        Assert.Equal(Path.Combine(extra, "extra.good", "Good.dll"), ids["test.good"]);
        Assert.Equal(expectDefault, ids.ContainsKey("cache.litedb"));
        if (expectDefault) Assert.StartsWith(DefaultDir, ids["cache.litedb"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_SameIdInTheDefaultAndAnExtraDirectory_FailsNamingBothPaths()
    {
        var extra = Path.Combine(_tmp.Path, "extra");
        var copy = Path.Combine(extra, "my.cache");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(Path.Combine(DefaultDir, "Cache.LiteDb"))) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var shipped = Path.Combine(DefaultDir, "Cache.LiteDb", "PluginMesh.Plugins.Cache.LiteDb.dll");
        var dropped = Path.Combine(copy, "PluginMesh.Plugins.Cache.LiteDb.dll");
        var config = _tmp.File("c.yaml", $"profile: none\nnode:\n  dataDir: {_tmp.Path}/data\nplugins:\n  cache.litedb: {{}}\n");

        var (code, output, _) = await Run([], ["plugins", "--json", "--config", config, "--plugins-dir", extra]);
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        var copies = doc.RootElement.GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("id").GetString() == "cache.litedb").ToList();
        Assert.Equal([shipped, dropped], copies.Select(p => p.GetProperty("path").GetString()));
        Assert.All(copies, p =>
        {
            Assert.Equal("failed", p.GetProperty("state").GetString());
            Assert.Equal($"duplicate plugin id 'cache.litedb': found in {shipped} and {dropped}", p.GetProperty("error").GetString());
        });

        (code, _, var error) = await Run([], ["up", "--config", config, "--plugins-dir", extra]);
        Assert.Equal(1, code);
        Assert.Contains($"config error: plugins.cache.litedb: cannot load {shipped}: duplicate plugin id 'cache.litedb': found in {shipped} and {dropped}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_ExtraDirectoryThatDoesNotExist_IsAConfigError()
    {
        var config = _tmp.File("c.yaml", $"profile: none\nnode:\n  dataDir: {_tmp.Path}/data\n");
        var (code, _, error) = await Run([], ["up", "--config", config, "--plugins-dir", Path.Combine(_tmp.Path, "nope")]);
        Assert.Equal(1, code);
        Assert.Contains($"config error: --plugins-dir: '{_tmp.Path}/nope' is not a directory", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> Run(Dictionary<string, string> env, string[] args)
    {
        Assert.True(Directory.Exists(DefaultDir), $"{DefaultDir} is missing: build src/Cli (it copies the default plugins beside the binary)");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.HostWithDefaultPluginsDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("PLUGINMESH__", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(name);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
