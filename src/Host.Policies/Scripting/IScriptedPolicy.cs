namespace PluginMesh.Host.Policies.Scripting;

/// <summary>The untyped face of a scripted policy, for the engine's reload loop and status.</summary>
internal interface IScriptedPolicy : IDisposable
{
    /// <summary>Re-reads the file; loads a changed version, keeps the last good one when it is rejected.</summary>
    void Reload();

    PolicyScriptStatus Status();
}
