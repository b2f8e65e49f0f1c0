using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Builds, signs and stores this node's record. The sequence is max(now in µs since the epoch, last
/// known + 1): it keeps increasing across restarts (the last one comes back from the cache) and
/// even when the cache was lost, as long as the clock did not go back further than the gap.
/// </summary>
internal sealed class LocalRecordPublisher(RecordStore store, ILocalPeer local, DirectoryOptions options, string nodeName, TimeProvider time, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;
    private string _lastAddresses = "";

    /// <summary>True when half the TTL has passed since the last publication.</summary>
    public bool Due => time.GetUtcNow() - _lastPublished >= options.RecordTtl / 2;

    /// <summary>Publishes when forced, due, or the addresses changed.</summary>
    public async Task PublishAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var addresses = local.Addresses;
            var joined = string.Join('\n', addresses);
            if (!force && !Due && joined == _lastAddresses) return;
            var now = time.GetUtcNow();
            var usable = addresses.Where(a => System.Text.Encoding.UTF8.GetByteCount(a.ToString()) <= RecordCodec.MaxTextBytes).ToList();
            var relay = usable.Where(a => a.IsRelayed).Take(RecordCodec.MaxListEntries).ToArray();
            var direct = usable.Where(a => !a.IsRelayed).Take(RecordCodec.MaxListEntries).ToArray();
            var sequence = Math.Max((now - DateTimeOffset.UnixEpoch).Ticks / 10, store.LastSequence(local.PeerId.ToString()) + 1);
            var expires = DateTimeOffset.FromUnixTimeMilliseconds((now + options.RecordTtl).ToUnixTimeMilliseconds());
            var record = new NodeRecord(nodeName, local.PeerId, direct, relay, options.Capabilities, sequence, expires, options.Labels);
            SignedNodeRecord signed;
            try
            {
                signed = RecordCodec.Sign(record, local.PublicKey.Protobuf, data => local.Sign(data));
            }
            catch (ArgumentException e)
            {
                // A field the tunnel handed us breaks a record limit: keep the previous record rather than stop syncing.
                DirectoryLog.PublishFailed(logger, nodeName, e.Message);
                return;
            }
            await store.AcceptAsync(signed, "local", cancellationToken, local: true).ConfigureAwait(false);
            _lastPublished = now;
            _lastAddresses = joined;
            DirectoryLog.Published(logger, sequence, nodeName, direct.Length + relay.Length);
        }
        finally
        {
            _gate.Release();
        }
    }

}
