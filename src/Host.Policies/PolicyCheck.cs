using PluginMesh.Host.Policies.Scripting;

namespace PluginMesh.Host.Policies;

/// <summary>Static check of one policy script, for <c>pluginmesh policy check &lt;file.js&gt;</c>.</summary>
public static class PolicyCheck
{
    /// <summary>
    /// Parses <paramref name="file"/>, runs its top level in the sandbox with the default limits, and lists
    /// which known policy functions it defines and every problem (<c>file:line:col: message</c>).
    /// </summary>
    /// <remarks>
    /// A file named after a policy (<c>failover.js</c>) must define that policy's function (<c>onFailure</c>);
    /// any other file must define at least one known function.
    /// </remarks>
    public static PolicyCheckResult Check(string file) => Check(file, new PolicyEngineOptions { Directory = "." });

    /// <summary>Same as <see cref="Check(string)"/> with the limits of <paramref name="options"/>.</summary>
    public static PolicyCheckResult Check(string file, PolicyEngineOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        ArgumentNullException.ThrowIfNull(options);
        string source;
        try
        {
            source = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new PolicyCheckResult(file, [], [$"{file}: cannot read: {ex.Message}"]);
        }

        var known = PolicyBinding.All.Select(b => b.FunctionName).ToList();
        IReadOnlyList<string> functions;
        try
        {
            var prepared = Sandbox.Prepare(source, file);
            using var engine = Sandbox.CreateEngine(options, CancellationToken.None);
            engine.Execute(prepared);
            functions = Sandbox.DefinedFunctions(engine, known);
        }
        catch (PolicyLoadException ex)
        {
            return new PolicyCheckResult(file, [], [ex.Message]);
        }
#pragma warning disable CA1031 // Whatever the script's top level does is a finding to report, not a crash of the CLI.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new PolicyCheckResult(file, [], [ScriptFailure.Describe(ex, file)]);
        }

        var errors = new List<string>();
        var stem = Path.GetFileNameWithoutExtension(file);
        var expected = PolicyBinding.All.FirstOrDefault(b => b.Name == stem);
        if (expected is not null && !functions.Contains(expected.FunctionName))
        {
            errors.Add($"{file}: does not define function {expected.FunctionName} (the engine calls it from {expected.FileName})");
        }
        else if (functions.Count == 0)
        {
            errors.Add($"{file}: defines none of the policy functions {string.Join(", ", known)}");
        }

        return new PolicyCheckResult(file, functions, errors);
    }
}
