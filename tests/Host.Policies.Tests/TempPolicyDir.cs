using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>A temporary policies folder with real files, deleted afterwards.</summary>
internal sealed class TempPolicyDir : IDisposable
{
    public TempPolicyDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pm-policies-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        // Write then rename, as editors and kubectl do, so a reader never sees half a file.
        var temp = file + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, content);
        File.Move(temp, file, overwrite: true);
        return file;
    }

    public void Delete(string name) => File.Delete(System.IO.Path.Combine(Path, name));

    public PolicyEngine CreateEngine(Func<PolicyEngineOptions, PolicyEngineOptions>? configure = null, ILogger<PolicyEngine>? logger = null)
    {
        var options = Options(Path);
        options = configure?.Invoke(options) ?? options;
        return new PolicyEngine(options, logger ?? NullLogger<PolicyEngine>.Instance, TimeProvider.System);
    }

    /// <summary>
    /// Default limits except the time limit: on a loaded CI machine a cold first call can take longer
    /// than 100 ms, and only tests about the time limit should depend on it.
    /// </summary>
    public static PolicyEngineOptions Options(string directory) =>
        new() { Directory = directory, TimeLimit = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
