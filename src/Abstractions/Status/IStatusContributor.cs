namespace PluginMesh.Abstractions.Status;

/// <summary>
/// Adds a section to the admin endpoint's <c>/status</c> JSON and to <c>pluginmesh status</c>.
/// </summary>
/// <remarks>Thread-safe; called on request threads. Must be cheap and must not block on I/O.</remarks>
public interface IStatusContributor
{
    /// <summary>Top-level key in the status document, e.g. <c>peers</c>.</summary>
    string Section { get; }

    /// <summary>A JSON-serializable value (records, lists, dictionaries, primitives).</summary>
    object GetStatus();
}
