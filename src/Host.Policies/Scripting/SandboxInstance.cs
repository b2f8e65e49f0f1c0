namespace PluginMesh.Host.Policies.Scripting;

/// <summary>One engine with a script's top level already run, and the policy function found in it.</summary>
/// <remarks>Not thread-safe: used by one caller at a time (rented from a <see cref="ScriptVersion"/>).</remarks>
internal sealed class SandboxInstance(Engine engine, JsValue function) : IDisposable
{
    public Engine Engine { get; } = engine;

    public JsValue Function { get; } = function;

    /// <summary>Calls made on this sandbox; only its renter touches it.</summary>
    public int Calls { get; set; }

    public void Dispose() => Engine.Dispose();
}
