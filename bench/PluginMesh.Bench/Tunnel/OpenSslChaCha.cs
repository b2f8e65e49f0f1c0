using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace PluginMesh.Bench.Tunnel;

/// <summary>
/// One core's ChaCha20-Poly1305 speed as <c>openssl speed -evp chacha20-poly1305</c> reports it for
/// 16 KiB blocks, measured in the same run as the tunnel: the ceiling a single encrypted stream is
/// compared against (each byte is sealed once and opened once, so half of it for both ends on one core).
/// </summary>
internal static class OpenSslChaCha
{
    /// <param name="BytesPerSecond">openssl's 16384-byte column (it prints 1000s of bytes per second).</param>
    public sealed record Result(double BytesPerSecond, string Version)
    {
        public double MiBPerSecond => BytesPerSecond / 1048576;
    }

    /// <summary>Runs openssl for <paramref name="seconds"/> per block size; null (with the reason) when openssl is missing or its output is not understood.</summary>
    public static async Task<Result?> MeasureAsync(int seconds, Action<string> whyNot)
    {
        try
        {
            var version = (await RunAsync(["version"], TimeSpan.FromSeconds(10))).Trim();
            var output = await RunAsync(["speed", "-evp", "chacha20-poly1305", "-seconds", seconds.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(seconds * 8 + 30));
            if (Parse(output) is { } bytesPerSecond) return new Result(bytesPerSecond, version);
            whyNot("openssl speed printed no 16384-byte column for chacha20-poly1305");
        }
        catch (Win32Exception)
        {
            whyNot("openssl not found (apt-get install openssl)");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            whyNot("openssl speed failed: " + e.Message);
        }
        return null;
    }

    /// <summary>
    /// Bytes per second in the 16384-byte column of the result table, e.g.
    /// <c>type 16 bytes … 16384 bytes</c> then <c>ChaCha20-Poly1305 208640.21k … 4091895.81k</c>.
    /// </summary>
    internal static double? Parse(string output)
    {
        string[]? header = null;
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0] == "type")
            {
                header = fields;
                continue;
            }
            if (header is null || fields.Length == 0 || !fields[0].StartsWith("chacha20", StringComparison.OrdinalIgnoreCase)) continue;
            // The header has "N bytes" pairs after "type"; the row has one figure per pair after its name.
            var column = -1;
            for (int i = 1, c = 0; i + 1 < header.Length; i += 2, c++)
                if (header[i] == "16384" && header[i + 1] == "bytes") column = c;
            if (column < 0 || 1 + column >= fields.Length) return null;
            var figure = fields[1 + column];
            var scale = figure.EndsWith('k') ? 1000.0 : 1.0;
            return double.TryParse(figure.TrimEnd('k'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v * scale : null;
        }
        return null;
    }

    private static async Task<string> RunAsync(string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("openssl could not be started");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        if (p.ExitCode != 0) throw new InvalidOperationException($"exit code {p.ExitCode}: {(await stderr).Trim()}");
        return await stdout;
    }
}
