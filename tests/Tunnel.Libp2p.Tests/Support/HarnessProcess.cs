using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Interop;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary><c>JsProcess.Start(fixture, args)</c>: one run of the js-libp2p harness.mjs the fixture installed.</summary>
internal static class HarnessProcess
{
    extension(JsProcess)
    {
        public static JsProcess Start(JsHarnessFixture fixture, params string[] args) => JsProcess.Start(fixture.Directory, "harness.mjs", args);
    }
}
