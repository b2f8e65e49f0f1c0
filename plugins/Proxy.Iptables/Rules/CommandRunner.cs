using System.Diagnostics;

namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>
/// Runs iptables tools, optionally inside a named network namespace (<c>ip netns exec NAME …</c>),
/// which is how tests keep the root namespace's rules untouched.
/// </summary>
public sealed class CommandRunner(string? netns)
{
    /// <summary>The namespace, or null.</summary>
    public string? Netns => netns;

    /// <summary>Runs <paramref name="binary"/> with <paramref name="args"/>, feeding <paramref name="stdin"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The binary does not exist.</exception>
    public async Task<CommandResult> RunAsync(string binary, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is null) psi.FileName = binary;
        else
        {
            psi.FileName = "ip";
            psi.ArgumentList.Add("netns");
            psi.ArgumentList.Add("exec");
            psi.ArgumentList.Add(netns);
            psi.ArgumentList.Add(binary);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"[proxy.iptables] could not start {binary}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>
    /// <see cref="RunAsync"/> for a step that must succeed: a missing binary or a non-zero exit is a
    /// <see cref="PluginMeshException"/> naming <paramref name="what"/>, the command and its standard error.
    /// </summary>
    public async Task<CommandResult> RunCheckedAsync(string what, string binary, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        CommandResult r;
        try
        {
            r = await RunAsync(binary, args, stdin, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            var hint = binary == "ip" ? "install iproute2" : "install iptables or set iptablesBinary";
            throw new PluginMeshException("proxy.iptables", "run " + binary, $"{ex.Message} ({hint})", ex);
        }
        if (r.ExitCode != 0)
            throw new PluginMeshException("proxy.iptables", what, $"{binary} {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return r;
    }
}
