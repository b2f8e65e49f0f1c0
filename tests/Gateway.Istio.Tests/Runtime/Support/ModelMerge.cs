namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>
/// The runtime tests that route requests need the model's bodies (MatchHttp, PickDestination,
/// ServerForSni, MatchStream, ClientHello.TryGetServerName), written in parallel on branch gwconfig.
/// Until that merge they are skipped with this reason. At the merge: set <see cref="Pending"/> to null,
/// and add <c>using PluginMesh.Plugins.Gateway.Istio.Tls;</c> to plugins/Gateway.Istio/Runtime/StreamPortServer.cs
/// (gwconfig moved <c>ClientHello</c> into that namespace). Checked: with gwconfig, connector and catres
/// merged so, every test of this project passes.
/// </summary>
internal static class ModelMerge
{
    public const string? Pending = "needs the model bodies of branch gwconfig (issue 17): set ModelMerge.Pending to null after the merge";
}
