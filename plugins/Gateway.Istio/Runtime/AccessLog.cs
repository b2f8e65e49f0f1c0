using System.Text;
using System.Threading.Channels;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>One request or stream connection as the access log writes it.</summary>
/// <param name="Start">When it started.</param>
/// <param name="Method">HTTP method, or null for a stream connection.</param>
/// <param name="Path">Path and query as received.</param>
/// <param name="Protocol">HTTP/1.1, HTTP/2, or null for a stream connection.</param>
/// <param name="Status">Status sent (0 for a stream connection).</param>
/// <param name="Flags">Envoy response flags (<c>NR</c>, <c>UF</c>, <c>UT</c>…), or <c>-</c>.</param>
/// <param name="Details">Envoy-style response code details (<c>via_upstream</c>, <c>route_not_found</c>…).</param>
/// <param name="BytesReceived">Request body bytes (Content-Length) or bytes from the client.</param>
/// <param name="BytesSent">Response body bytes (Content-Length) or bytes to the client.</param>
/// <param name="Duration">Until the end of the response or connection.</param>
/// <param name="ForwardedFor">The request's X-Forwarded-For, or null.</param>
/// <param name="UserAgent">User-Agent, or null.</param>
/// <param name="RequestId">X-Request-Id, or null.</param>
/// <param name="Authority">Host, or null.</param>
/// <param name="Cluster">Destination (<c>outbound|port||host</c>), or null.</param>
/// <param name="Local">The gateway's address of the connection.</param>
/// <param name="Remote">The client's address.</param>
/// <param name="ServerName">SNI, or null.</param>
/// <param name="Route">Route name, or null.</param>
internal sealed record AccessEntry(
    DateTimeOffset Start, string? Method, string? Path, string? Protocol, int Status, string Flags, string Details,
    long BytesReceived, long BytesSent, TimeSpan Duration, string? ForwardedFor, string? UserAgent, string? RequestId,
    string? Authority, string? Cluster, string? Local, string? Remote, string? ServerName, string? Route);

/// <summary>
/// The access log, one line per request or stream connection in Istio's default text format
/// (Envoy's default format extended with the cluster, addresses, SNI and route name). Lines go to a
/// bounded queue written by one task, so a slow disk never slows a request; a full queue drops the
/// line and counts it. Thread-safe.
/// </summary>
internal sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(8192) { SingleReader = true });
    private readonly GatewayMetrics _metrics;
    private readonly Task _writer;

    private AccessLog(TextWriter output, bool ownsOutput, GatewayMetrics metrics)
    {
        _metrics = metrics;
        _writer = Task.Run(() => WriteAsync(output, ownsOutput));
    }

    /// <summary>Opens the log <paramref name="target"/> (<c>stdout</c> or a file, appended), or returns null when it is off or cannot be opened (logged).</summary>
    public static AccessLog? Open(string? target, GatewayMetrics metrics, ILogger logger)
    {
        if (target is null) return null;
        if (target == GatewayOptions.Stdout) return new AccessLog(Console.Out, ownsOutput: false, metrics);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            var stream = new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
            return new AccessLog(new StreamWriter(stream, new UTF8Encoding(false)), ownsOutput: true, metrics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            GatewayLog.AccessLogFailed(logger, target, e.Message);
            return null;
        }
    }

    public void Write(AccessEntry entry)
    {
        if (!_lines.Writer.TryWrite(Format(entry))) _metrics.AccessLogLineDropped();
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    /// <summary>
    /// <c>[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
    /// %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED%
    /// %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
    /// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
    /// %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%</c>; what the gateway
    /// cannot know (the upstream's own address behind the pooled connection, the upstream service time) is <c>-</c>.
    /// </summary>
    internal static string Format(AccessEntry e)
    {
        var b = new StringBuilder(256);
        b.Append('[').Append(e.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append("] \"");
        b.Append(e.Method ?? "-").Append(' ').Append(Clean(e.Path) ?? "-").Append(' ').Append(e.Protocol ?? "-").Append("\" ");
        b.Append(e.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(e.Flags).Append(' ').Append(e.Details).Append(" - \"-\" ");
        b.Append(e.BytesReceived.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(e.BytesSent.ToString(CultureInfo.InvariantCulture)).Append(' ');
        b.Append(((long)e.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).Append(" - ");
        Quoted(b, e.ForwardedFor).Append(' ');
        Quoted(b, e.UserAgent).Append(' ');
        Quoted(b, e.RequestId).Append(' ');
        Quoted(b, e.Authority).Append(" \"-\" ");
        b.Append(e.Cluster ?? "-").Append(" - ").Append(e.Local ?? "-").Append(' ').Append(e.Remote ?? "-").Append(' ');
        b.Append(Clean(e.ServerName) ?? "-").Append(' ').Append(Clean(e.Route) ?? "-");
        return b.ToString();
    }

    private static StringBuilder Quoted(StringBuilder b, string? value) =>
        b.Append('"').Append(Clean(value, spaces: false)?.Replace("\"", "\\\"", StringComparison.Ordinal) ?? "-").Append('"');

    // A client's text never breaks a line, nor an unquoted field.
    private static string? Clean(string? value, bool spaces = true) =>
        value is null || !value.Any(c => Bad(c, spaces)) ? value : new string([.. value.Select(c => Bad(c, spaces) ? '_' : c)]);

    private static bool Bad(char c, bool spaces) => char.IsControl(c) || spaces && c == ' ';

    private async Task WriteAsync(TextWriter output, bool ownsOutput)
    {
        try
        {
            while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_lines.Reader.TryRead(out var line)) await output.WriteLineAsync(line).ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The disk went away: stop writing; lines queue up and are then dropped and counted.
        }
        finally
        {
            if (ownsOutput) await output.DisposeAsync().ConfigureAwait(false);
        }
    }
}
