using System.Net.Sockets;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// The splice loop between two real loopback sockets, with the copy loop and with splice(2) for
/// bulk data: every byte arrives in order both ways, counts are exact, half-close passes through,
/// and a reset on one side ends both.
/// </summary>
public sealed class SplicerTests
{
    private static RelayScenarios.Relay Through(bool zeroCopy) => (c, u, counter, ct) =>
        Splicer.SpliceAsync(new SocketConnection(c), new SocketConnection(u), counter, ct, zeroCopy);

    [Theory]
    [InlineData(false, 3_000_000)]
    [InlineData(true, 3_000_000)]
    [InlineData(true, 100)]
    [InlineData(true, 65_536)]
    public async Task Bulk_BothWays_AllBytesInOrder_HalfClosePassedOn(bool zeroCopy, int size)
    {
        var (proxyClientSide, proxyUpstreamSide) = await RelayScenarios.BulkBothWaysAsync(Through(zeroCopy), size,
            expectSplice: zeroCopy && size > 1_000_000 && OperatingSystem.IsLinux());
        using (proxyClientSide)
        using (proxyUpstreamSide)
        {
            // Ended cleanly both ways: closing them now is a normal close again, not a reset.
            Assert.False(proxyClientSide.LingerState!.Enabled);
            Assert.False(proxyUpstreamSide.LingerState!.Enabled);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Bulk_UpstreamResetMidTransfer_EndsBothSides(bool zeroCopy) =>
        // The splice loop aborts both sides itself.
        RelayScenarios.UpstreamResetMidTransferAsync(Through(zeroCopy), (_, _) => { });

    [Fact]
    public async Task Copy_ReadsIntoTheSmallBuffer_UntilOneFillsIt_AndBackAfterAShortRead()
    {
        // What an idle kept-alive connection holds is the buffer its pending reads were given: small
        // while messages are small, large only while reads fill the small one (bulk), small again after.
        var from = new ScriptedSource([10, Splicer.SmallBufferSize, Splicer.BufferSize, 30_000, 100, 7]);
        var to = new NullSink();
        Assert.True(await Splicer.SpliceAsync(from, to, new RelayScenarios.Counter(), TestTimeout.Token()));
        Assert.Equal(
            [Splicer.SmallBufferSize, Splicer.SmallBufferSize, Splicer.BufferSize, Splicer.BufferSize, Splicer.BufferSize, Splicer.SmallBufferSize, Splicer.SmallBufferSize],
            from.Offered);
        Assert.Equal(10 + Splicer.SmallBufferSize + Splicer.BufferSize + 30_000 + 100 + 7, to.Written);
    }

    /// <summary>Returns reads of the scripted sizes (as far as each buffer allows), then end of stream; records each buffer's size.</summary>
    private sealed class ScriptedSource(int[] sizes) : IDuplexConnection
    {
        private int _next;

        public List<int> Offered { get; } = [];

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Offered.Add(buffer.Length);
            return ValueTask.FromResult(_next < sizes.Length ? Math.Min(sizes[_next++], buffer.Length) : 0);
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Counts what is written; its own reads end at once.</summary>
    private sealed class NullSink : IDuplexConnection
    {
        public long Written { get; private set; }

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Written += data.Length;
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
