using System.Security.Authentication;

namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>An Istio Gateway selected for this node: its servers that can be served.</summary>
/// <param name="Id">The Gateway, <c>namespace/name</c>.</param>
/// <param name="Servers">Its servers, in order, without those skipped.</param>
internal sealed record ParsedGateway(string Id, IReadOnlyList<ParsedServer> Servers);

/// <summary>A server and, per host, which namespaces' VirtualServices may claim it.</summary>
/// <param name="Server">The server.</param>
/// <param name="Grants">Its hosts as written: <c>ns/host</c> grants <c>host</c> to namespace <c>ns</c> only.</param>
internal sealed record ParsedServer(GatewayServer Server, IReadOnlyList<HostGrant> Grants);

/// <summary>A Gateway server host and the namespace whose VirtualServices may bind to it (null: any, Istio's <c>*/</c> or no prefix).</summary>
internal sealed record HostGrant(string? Namespace, string Host)
{
    /// <summary>True when a VirtualService in <paramref name="ns"/> may bind to this host.</summary>
    public bool Admits(string ns) => Namespace is null || Namespace == ns;
}

/// <summary>
/// Reads an Istio <c>Gateway</c> (<c>spec.selector</c>, <c>spec.servers[]</c>): each server that cannot be
/// served here exactly as written is skipped with a warning naming it, never guessed at.
/// </summary>
internal static class GatewayReader
{
    /// <summary>The Gateway when its selector picks this node's gateway, else null (a malformed one with a warning).</summary>
    public static ParsedGateway? Read(MeshResource resource, JsonElement root, IReadOnlyDictionary<string, string> labels,
        IReadOnlyDictionary<ResourceKey, MeshResource> resources, ObjectProblems problems)
    {
        var id = IstioResources.Id(resource.Key);
        var spec = new Field(root, "", problems)["spec"];
        if (!spec.Present || spec.Value.ValueKind != JsonValueKind.Object)
        {
            problems.Warn("spec", "missing or not an object; Gateway skipped");
            return null;
        }

        if (!spec["selector"].TryMembers(out var selector)) return Skip(problems);
        foreach (var (name, value) in selector)
        {
            if (!value.TryRequiredString(out var wanted)) return Skip(problems);
            if (!labels.TryGetValue(name, out var have) || have != wanted) return null;
        }

        if (!spec["servers"].TryItems(out var items)) return Skip(problems);
        if (items.Count == 0) problems.Warn("spec.servers", "no servers");
        var servers = new List<ParsedServer>();
        foreach (var item in items)
        {
            if (ReadServer(item, id, IstioResources.Namespace(resource.Key), resources, out var grants) is { } server) servers.Add(new ParsedServer(server, grants));
        }

        return new ParsedGateway(id, servers);
    }

    private static ParsedGateway? Skip(ObjectProblems problems)
    {
        problems.Warn("", "Gateway skipped");
        return null;
    }

    private static GatewayServer? ReadServer(Field server, string gateway, string ns, IReadOnlyDictionary<ResourceKey, MeshResource> resources, out List<HostGrant> grants)
    {
        grants = [];
        if (!server.Present || server.Value.ValueKind != JsonValueKind.Object) return NoServer(server, "not an object");
        var port = server["port"];
        if (!port.Present) return NoServer(port, "missing");
        if (!port.TryObject(out _)) return NoServer(server);
        if (!port["number"].TryInt(1, 65535, out var number) || number is null) return NoServer(port["number"], number is null && !port["number"].Present ? "missing" : null);
        if (!port["protocol"].TryRequiredString(out var protocolText)) return NoServer(server);
        if (!port["name"].TryString(out var name)) return NoServer(server);
        name = string.IsNullOrWhiteSpace(name) ? $"{protocolText.ToLowerInvariant()}-{number}" : name.Trim();

        if (!server["hosts"].TryStrings(out var rawHosts)) return NoServer(server);
        if (rawHosts.Count == 0) return NoServer(server["hosts"], "no hosts");
        // `namespace/host` limits which namespaces' VirtualServices may bind (`.` the Gateway's, `*` any); the host is what is served.
        grants = [.. rawHosts.Select(h => h.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0
            ? new HostGrant(h[..slash] switch { "*" => null, "." => ns, var named => named }, h[(slash + 1)..])
            : new HostGrant(null, h))];
        var hosts = grants.Select(g => g.Host).ToList();
        if (grants.Any(g => g.Host.Length == 0 || g.Host.Any(c => char.IsWhiteSpace(c) || c == '/') || g.Namespace is { Length: 0 }))
        {
            return NoServer(server["hosts"], $"malformed host in [{string.Join(", ", rawHosts)}]");
        }
        if (server["bind"].Present) server["bind"].Warn("ignored: the gateway listens on the node's configured addresses");

        if (!server["tls"].TryObject(out var hasTls)) return NoServer(server);
        var tls = server["tls"];
        var protocol = protocolText.ToUpperInvariant() switch
        {
            "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB" => ServerProtocol.Http,
            "HTTPS" => ServerProtocol.Https,
            "TLS" => ServerProtocol.Tls,
            "TCP" or "MONGO" or "MYSQL" or "REDIS" => ServerProtocol.Tcp,
            _ => (ServerProtocol?)null,
        };
        if (protocol is null) return NoServer(port["protocol"], $"unknown protocol '{protocolText}' (HTTP, HTTPS, HTTP2, GRPC, TCP, TLS)");

        GatewayTls? settings = null;
        switch (protocol)
        {
            case ServerProtocol.Http:
                if (!hasTls) break;
                if (!tls["httpsRedirect"].TryBool(out var redirect)) return NoServer(server);
                if (tls["mode"].Present || tls["credentialName"].Present) tls.Warn("ignored on a plain HTTP server (only httpsRedirect applies)");
                settings = redirect ? new GatewayTls(GatewayTlsMode.Simple, null, HttpsRedirect: true) : null;
                break;
            case ServerProtocol.Tcp:
                if (hasTls) return NoServer(tls, $"TLS settings on a {protocolText} server are not supported (use protocol TLS with PASSTHROUGH, or HTTPS)");
                break;
            default:
                if (!hasTls) return NoServer(tls, $"missing: a {protocolText} server needs tls");
                if (ReadTls(tls, ns, resources, out var terminate) is not { } read) return null;
                if (!terminate) protocol = ServerProtocol.Tls;
                else if (protocol == ServerProtocol.Tls) return NoServer(tls["mode"], "TLS terminated on a TLS (TCP) server is not supported: use PASSTHROUGH, or protocol HTTPS");
                settings = read;
                break;
        }

        var h2c = protocol == ServerProtocol.Http && protocolText.ToUpperInvariant() is "HTTP2" or "GRPC";
        return new GatewayServer(gateway, name, number.Value, protocol.Value, hosts, settings, h2c);
    }

    // TLS of an HTTPS or TLS server; null after a warning when it cannot be served as written.
    private static GatewayTls? ReadTls(Field tls, string ns, IReadOnlyDictionary<ResourceKey, MeshResource> resources, out bool terminate)
    {
        terminate = false;
        if (!tls["mode"].TryString(out var modeText)) return NoTls(tls);

        // The enum's zero value, what an object without `mode` means to Istio.
        modeText = string.IsNullOrWhiteSpace(modeText) ? "PASSTHROUGH" : modeText.Trim().ToUpperInvariant();
        GatewayTlsMode mode;
        switch (modeText)
        {
            case "SIMPLE":
                mode = GatewayTlsMode.Simple;
                break;
            case "MUTUAL":
                mode = GatewayTlsMode.Mutual;
                break;
            case "PASSTHROUGH":
                if (tls["credentialName"].Present)
                {
                    tls["credentialName"].Warn(tls["mode"].Present
                        ? "unused: PASSTHROUGH does not terminate TLS"
                        : "unused: tls.mode is missing, which Istio reads as PASSTHROUGH (write mode: SIMPLE to terminate TLS)");
                }

                return new GatewayTls(GatewayTlsMode.Passthrough, null);
            case "ISTIO_MUTUAL" or "AUTO_PASSTHROUGH" or "OPTIONAL_MUTUAL":
                return NoTls(tls["mode"], $"{modeText} is not supported (it needs Istio's own mesh certificates or SNI-DNAT clusters)");
            default:
                return NoTls(tls["mode"], $"unknown mode '{modeText}' (SIMPLE, MUTUAL, PASSTHROUGH)");
        }

        terminate = true;
        foreach (var narrowing in new[] { "subjectAltNames", "verifyCertificateSpki", "verifyCertificateHash" })
        {
            // Ignoring these would accept client certificates the Gateway refuses.
            var value = tls[narrowing];
            if (value.Present && (value.Value.ValueKind != JsonValueKind.Array || value.Value.GetArrayLength() > 0))
            {
                return NoTls(tls[narrowing], "not supported; the server is skipped rather than accept clients the Gateway would refuse");
            }
        }

        if (tls["cipherSuites"].Present) tls["cipherSuites"].Warn("ignored: the platform's cipher suites for the TLS version are used");
        if (!tls["credentialName"].TryString(out var credential)) return NoTls(tls);
        if (string.IsNullOrWhiteSpace(credential))
        {
            return NoTls(tls["credentialName"], tls["serverCertificate"].Present
                ? "missing: certificate files (serverCertificate, privateKey) are not read; name a Secret in credentialName"
                : "missing");
        }

        credential = credential.Trim();
        if (credential.StartsWith("kubernetes://", StringComparison.Ordinal)) credential = credential["kubernetes://".Length..];
        if (!Version(tls["minProtocolVersion"], isMax: false, out var min) || !Version(tls["maxProtocolVersion"], isMax: true, out var max)) return NoTls(tls);
        if (min != SslProtocols.None && max != SslProtocols.None && max < min) return NoTls(tls["maxProtocolVersion"], "lower than minProtocolVersion");
        if (SecretCertificates.Load(resources, ns, credential, mode == GatewayTlsMode.Mutual, tls["credentialName"]) is not { } certificate) return null;
        return new GatewayTls(mode, certificate, min, max);
    }

    private static bool Version(Field field, bool isMax, out SslProtocols version)
    {
        version = SslProtocols.None;
        if (!field.TryString(out var text)) return false;
        switch (text?.Trim().ToUpperInvariant())
        {
            case null or "" or "TLS_AUTO":
                return true;
            case "TLSV1_2":
                version = SslProtocols.Tls12;
                return true;
            case "TLSV1_3":
                version = SslProtocols.Tls13;
                return true;
            case "TLSV1_0" or "TLSV1_1" when !isMax:
                field.Warn($"{text} is not offered; the lowest version is TLS 1.2");
                return true;
            case "TLSV1_0" or "TLSV1_1":
                return field.Warn($"{text}: versions below TLS 1.2 are not offered");
            default:
                return field.Warn($"unknown version '{text}' (TLS_AUTO, TLSV1_2, TLSV1_3)");
        }
    }

    // Skips the server: with a warning on `field` (its own text, else "server skipped" after the field's own warning).
    private static GatewayServer? NoServer(Field field, string? problem = null)
    {
        field.Warn(problem is null ? "server skipped" : $"{problem}; server skipped");
        return null;
    }

    private static GatewayTls? NoTls(Field field, string? problem = null)
    {
        NoServer(field, problem);
        return null;
    }
}
