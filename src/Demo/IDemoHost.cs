namespace PluginMesh.Demo;

/// <summary>
/// What the demo borrows from the <c>pluginmesh</c> binary it runs in, so that it finds plugins,
/// policies and agents exactly as the binary's own commands do, without depending on the host.
/// Implemented by the host's <c>demo</c> entry.
/// </summary>
/// <remarks>Implementations change no state of their own, so any thread of the demo may call them.</remarks>
public interface IDemoHost
{
    /// <summary>Standard output: progress lines and the summary table.</summary>
    TextWriter Out { get; }

    /// <summary>Standard error.</summary>
    TextWriter Error { get; }

    /// <summary>
    /// Where the agents get their plugins and policies, as <c>pluginmesh up</c> would find them from
    /// the binary's own options on this command line (<c>--config</c>, <c>--plugins-dir</c>,
    /// <c>--no-default-plugins</c>) and its configuration; a single-file binary unpacks its bundle
    /// here, once for all agents. Throws what the host throws for a bad configuration (reported by
    /// the host, exit code 1).
    /// </summary>
    DemoPaths ResolvePaths();

    /// <summary>
    /// An HTTP client for an agent's admin endpoint, given as <c>admin.listen</c> text
    /// (<c>127.0.0.1:PORT</c> or <c>unix:/path</c>) with <paramref name="timeout"/> per request.
    /// </summary>
    HttpClient AdminClient(string listen, TimeSpan timeout);

    /// <summary>The CLI's plain text table, so the summary reads like <c>pluginmesh status</c>.</summary>
    string Table(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows);
}
