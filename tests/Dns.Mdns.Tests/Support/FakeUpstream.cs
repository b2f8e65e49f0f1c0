using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Makaretu.Dns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP, same port) playing the node's upstream
/// resolver. It is a fake because no real resolver can be pointed at made-up zones here; it speaks
/// real DNS over real sockets, built with Makaretu.Dns so it shares no code with the plugin.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    /// <summary>Name answered with <see cref="BigCount"/> A records: truncated over UDP, whole over TCP.</summary>
    public const string BigName = "big.example";
    public const int BigCount = 100;
    /// <summary>Name answered with TTL 0 (never cached) only once <see cref="SlowGate"/> is released.</summary>
    public const string SlowName = "slow.example";
    public static readonly TimeSpan AnswerTtl = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(30);

    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private readonly Dictionary<string, IPAddress> _records = new(StringComparer.OrdinalIgnoreCase);
    private int _udpQueries;
    private int _tcpQueries;

    public FakeUpstream(bool serverFailure = false)
    {
        ServerFailure = serverFailure;
        // Same UDP and TCP port, retried when another socket holds the TCP one (the plugin's helper).
        (_udp, _tcp) = PluginMesh.Plugins.Dns.Mdns.Server.ListenerSockets.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _records["www.example"] = IPAddress.Parse("192.0.2.1");
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Holds back the answer to <see cref="SlowName"/> (and, the loop being serial, everything after it).</summary>
    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answer SERVFAIL to everything.</summary>
    public bool ServerFailure { get; }

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>Questions seen, in order (name as received, with its case).</summary>
    public List<string> Seen { get; } = [];

    public void Set(string name, IPAddress address)
    {
        lock (_records) _records[name] = address;
    }

    private Message Answer(Message query, bool udp)
    {
        var response = query.CreateResponse();
        var question = query.Questions[0];
        var name = question.Name.ToString();
        lock (Seen) Seen.Add(name);
        response.AA = true;
        if (ServerFailure)
        {
            response.Status = MessageStatus.ServerFailure;
            return response;
        }
        if (string.Equals(name, BigName, StringComparison.OrdinalIgnoreCase))
        {
            if (udp)
            {
                response.TC = true;
                return response;
            }
            for (var i = 1; i <= BigCount; i++)
                response.Answers.Add(new ARecord { Name = question.Name, Address = IPAddress.Parse($"198.51.100.{i}"), TTL = AnswerTtl });
            return response;
        }
        IPAddress? address;
        lock (_records) _records.TryGetValue(name, out address);
        if (address is not null)
        {
            if (question.Type == DnsType.A) response.Answers.Add(new ARecord { Name = question.Name, Address = address, TTL = AnswerTtl });
            else response.AuthorityRecords.Add(Soa());
            return response;
        }
        response.Status = MessageStatus.NameError;
        response.AuthorityRecords.Add(Soa());
        return response;
    }

    private static SOARecord Soa() => new()
    {
        Name = "example",
        PrimaryName = "ns.example",
        Mailbox = "hostmaster.example",
        SerialNumber = 1,
        Refresh = TimeSpan.FromHours(1),
        Retry = TimeSpan.FromMinutes(10),
        Expire = TimeSpan.FromDays(1),
        Minimum = NegativeTtl,
        TTL = TimeSpan.FromSeconds(3600),
    };

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var result = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                Interlocked.Increment(ref _udpQueries);
                var query = DnsClient.Parse(buffer.AsSpan(0, result.ReceivedBytes).ToArray());
                if (string.Equals(query.Questions[0].Name.ToString(), SlowName, StringComparison.OrdinalIgnoreCase))
                {
                    await SlowGate.Task.WaitAsync(_stop.Token);
                    var slow = query.CreateResponse();
                    slow.Answers.Add(new ARecord { Name = query.Questions[0].Name, Address = IPAddress.Parse("192.0.2.99"), TTL = TimeSpan.Zero });
                    await _udp.SendToAsync(slow.ToByteArray(), SocketFlags.None, result.RemoteEndPoint, _stop.Token);
                    continue;
                }
                await _udp.SendToAsync(Answer(query, udp: true).ToByteArray(), SocketFlags.None, result.RemoteEndPoint, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                var header = new byte[2];
                if (await client.ReceiveAsync(header, SocketFlags.None) < 2) continue;
                var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
                var read = 0;
                while (read < body.Length) read += await client.ReceiveAsync(body.AsMemory(read), SocketFlags.None);
                Interlocked.Increment(ref _tcpQueries);
                var response = Answer(DnsClient.Parse(body), udp: false).ToByteArray();
                var framed = new byte[response.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                response.CopyTo(framed, 2);
                await client.SendAsync(framed, SocketFlags.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop);
        _stop.Dispose();
    }
}
