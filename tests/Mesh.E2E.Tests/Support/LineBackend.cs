using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A backend "pod": a TCP server inside a namespace on an endpoint IP that reads one request (up to
/// a newline or end of stream) and answers <c>&lt;name&gt;: &lt;request&gt;</c>, then closes.
/// </summary>
internal sealed class LineBackend(NetnsSockets sockets, IPEndPoint endpoint, string name) : PodBackend(sockets, endpoint, name)
{
    protected override bool IsComplete(ReadOnlySpan<byte> received) => received.IndexOf((byte)'\n') >= 0;

    // A request ended by the client's half-close is answered too.
    protected override byte[]? Answer(ReadOnlySpan<byte> request, bool complete) =>
        Encoding.UTF8.GetBytes($"{Name}: {Encoding.UTF8.GetString(request).TrimEnd('\n')}\n");
}
