namespace PluginMesh.Plugins.Catalog.File;

/// <summary>The <c>catalog.file</c> section of <c>/status</c>.</summary>
/// <param name="Path">The catalog file.</param>
/// <param name="Synced">True once a catalog (from the file or the cache) reached the sink.</param>
/// <param name="FromCache">True while the catalog served came from the cache, not from the file.</param>
/// <param name="Valid">True when the file's current content is in effect.</param>
/// <param name="LastSync">When the file was last applied.</param>
/// <param name="LastCheck">When the file was last read.</param>
/// <param name="Services">Services in effect.</param>
/// <param name="Endpoints">Endpoint addresses in effect.</param>
/// <param name="Nodes">Nodes in effect.</param>
/// <param name="Resources">Objects of <c>resources:</c> in effect (of kinds some plugin asked for).</param>
/// <param name="Reloads">Successful loads since start.</param>
/// <param name="Failures">Failed loads since start.</param>
/// <param name="Problems">Problems of the current content, each as <c>file:line:column: field: message</c>.</param>
/// <param name="Skipped">
/// Entries of <c>resources:</c> the content in effect left out (malformed, or of a kind no plugin asked for), each
/// naming the entry; the rest of the file is in effect.
/// </param>
public sealed record FileCatalogStatus(
    string Path,
    bool Synced,
    bool FromCache,
    bool Valid,
    DateTimeOffset? LastSync,
    DateTimeOffset? LastCheck,
    int Services,
    int Endpoints,
    int Nodes,
    int Resources,
    long Reloads,
    long Failures,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Skipped);
