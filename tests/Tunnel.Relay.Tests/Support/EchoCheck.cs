namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>Writes a deterministic pattern and checks every echoed byte, reading concurrently.</summary>
internal static class EchoCheck
{
    public static async Task<long> RunAsync(Stream stream, Func<ValueTask> closeWrite, int total, CancellationToken ct)
    {
        var data = new byte[total];
        new Random(total).NextBytes(data);
        var reader = Task.Run(async () =>
        {
            var back = new byte[total];
            var got = 0;
            while (got < total)
            {
                var n = await stream.ReadAsync(back.AsMemory(got), ct);
                if (n == 0) break;
                got += n;
            }
            Assert.Equal(total, got);
            Assert.True(back.AsSpan().SequenceEqual(data), "echoed bytes differ");
            return (long)got;
        }, ct);
        for (var off = 0; off < total; off += 64 * 1024)
            await stream.WriteAsync(data.AsMemory(off, Math.Min(64 * 1024, total - off)), ct);
        await closeWrite();
        return await reader;
    }
}
