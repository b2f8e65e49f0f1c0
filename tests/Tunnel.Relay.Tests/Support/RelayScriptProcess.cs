namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary><c>JsProcess.Start(fixture, args)</c>: one run of the js-libp2p relay.mjs the fixture installed.</summary>
internal static class RelayScriptProcess
{
    extension(JsProcess)
    {
        public static JsProcess Start(JsRelayFixture fixture, params string[] args) => JsProcess.Start(fixture.Directory, "relay.mjs", args);
    }
}
