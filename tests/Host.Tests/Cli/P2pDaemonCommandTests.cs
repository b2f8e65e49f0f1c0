using System.Net.Sockets;
using PluginMesh.P2p;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// <c>pluginmesh p2p daemon</c> through the real composition (<see cref="P2pCli"/>): its arguments, its
/// ready line, a key file in go-libp2p's legacy form, and the control socket's life. The protocol
/// itself is tested in Tunnel.Libp2p.Tests (DaemonServerTests) and against @libp2p/interop
/// (<see cref="OfficialInteropSuiteTests"/>).
/// </summary>
public sealed class P2pDaemonCommandTests : IAsyncDisposable
{
    // @libp2p/interop's go.ed25519.key: seed ‖ public key ‖ public key; js-libp2p reads 12D3KooWRqGd… from it.
    private const string LegacyKeyHex = "08011260aaa3c291e9b857950e0682d7a2ffc5cc46763de945aa4f2a6262c5d6654a4b22edf6506bf561d7ec8657aef3026273c5d97c89fcb7c083a5dfec382adf792bb0edf6506bf561d7ec8657aef3026273c5d97c89fcb7c083a5dfec382adf792bb0";
    private const string LegacyKeyPeerId = "12D3KooWRqGdmFVwspgLBajUQacY1TrkBkAUqmjqjbHSFGEoZs9R";

    private readonly P2pCli _cli = new(policies: Path.Combine(TestPaths.RepoRoot, "policies"));

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Theory]
    [InlineData(new[] { "--no-listen" }, 1, "--control <unix socket path> is required")]
    [InlineData(new[] { "--control", "c.sock", "--no-listen", "--listen", "/ip4/127.0.0.1/tcp/0" }, 1, "exclude each other")]
    [InlineData(new[] { "--control", "c.sock", "--key", "/nonexistent/k" }, 1, "--key /nonexistent/k: no such file")]
    [InlineData(new[] { "--control", "c.sock", "extra" }, 1, "unexpected argument 'extra'")]
    [InlineData(new[] { "--contrl", "c.sock" }, 2, "unknown option --contrl")]
    public async Task BadArguments_ExitCodeAndMessage(string[] args, int exit, string message)
    {
        var (code, _, error) = await _cli.RunAsync(["p2p", "daemon", .. args]);
        Assert.Equal(exit, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControlPathTaken_ExitsOneNamingIt_FileKept()
    {
        var taken = Path.Combine(_cli.Dir, "taken.sock");
        await File.WriteAllTextAsync(taken, "");
        var (code, _, error) = await _cli.RunAsync("p2p", "daemon", "--control", taken, "--no-listen");
        Assert.Equal(1, code);
        Assert.Contains($"control socket {taken} already exists", error, StringComparison.Ordinal);
        Assert.True(File.Exists(taken));
    }

    [Fact]
    public async Task LegacyKey_ReadyLineAndIdentifyNameItsPeerId_SocketRemovedOnStop()
    {
        var key = Path.Combine(_cli.Dir, "go.ed25519.key");
        Assert.True(PluginMesh.P2p.Crypto.PrivateFile.TryCreate(key, Convert.FromHexString(LegacyKeyHex)));
        var control = Path.Combine(_cli.Dir, "d.sock");
        using var stop = new CancellationTokenSource();
        var output = new P2pCli.LineWriter();
        var error = new P2pCli.LockedWriter();
        var run = _cli.RunAsync(["p2p", "daemon", "--control", control, "--listen", "/ip4/127.0.0.1/tcp/0", "--key", key], output, error, stop.Token);
        var ready = await Task.WhenAny(output.WaitForAsync(_ => true, TestTimeout.Token(120)), run);
        if (ready == run) Assert.Fail($"p2p daemon exited {await run} before its ready line: {error}");
        var line = await output.WaitForAsync(_ => true, TestTimeout.Token());
        Assert.Equal(control, line.GetProperty("control").GetString());
        Assert.Equal(LegacyKeyPeerId, line.GetProperty("peerId").GetString());
        Assert.StartsWith("/ip4/127.0.0.1/tcp/", line.GetProperty("addrs")[0].GetString(), StringComparison.Ordinal);

        // IDENTIFY: the request {type: 0}, written with the type present as proto3 senders must.
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(control));
            await using var stream = new NetworkStream(socket);
            await LengthPrefixed.WriteAsync(stream, new byte[] { 0x08, 0x00 }, TestTimeout.Token());
            var response = await LengthPrefixed.ReadAsync(stream, 1 << 16, TestTimeout.Token());
            Assert.Equal(LegacyKeyPeerId, IdentifiedPeer(response!).ToString());
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TestTimeout.Token()));
        Assert.False(File.Exists(control));
    }

    /// <summary>The PeerId of an OK IdentifyResponse (Response field 4, its field 1).</summary>
    private static PeerId IdentifiedPeer(byte[] response)
    {
        var reader = new ProtoReader(response);
        while (reader.Next())
        {
            if (reader.FieldNumber == 1) Assert.Equal(0UL, reader.ReadVarint());
            else if (reader.FieldNumber != 4) reader.Skip();
            else
            {
                var identify = new ProtoReader(reader.ReadBytes());
                while (identify.Next())
                {
                    if (identify.FieldNumber == 1) return PeerId.FromMultihash(identify.ReadBytes());
                    identify.Skip();
                }
            }
        }
        throw new InvalidDataException("no identify.id in the response");
    }
}
