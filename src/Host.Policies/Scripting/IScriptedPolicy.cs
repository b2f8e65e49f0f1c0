namespace PluginMesh.Host.Policies.Scripting;

/// <summary>The untyped face of a scripted policy, for the engine's reload loop and status.</summary>
internal interface IScriptedPolicy : IDisposable
{
    /// <summary>Re-reads the file; loads a changed version, keeps the last good one when it is rejected.</summary>
    void Reload();

    PolicyScriptStatus Status();

    /// <summary>Warm-up calls that ran to completion (one per loaded version at most).</summary>
    long WarmUps { get; }

    /// <summary>Warm-up calls that failed; they never reject a version.</summary>
    long WarmUpFailures { get; }
}
