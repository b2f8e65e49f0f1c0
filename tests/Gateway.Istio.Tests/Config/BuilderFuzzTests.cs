using System.Text.Json.Nodes;
using FsCheck.Xunit;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Config.IstioObjects;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>
/// Valid Gateways, VirtualServices and Secrets with random parts replaced, removed or cut: the builder
/// never throws, never reports a bug of its own, and what it keeps is well formed.
/// </summary>
public sealed class BuilderFuzzTests
{
    private const string GatewaySpec = """
        {
          "selector": { "istio": "ingressgateway" },
          "servers": [
            { "port": { "number": 80, "name": "http", "protocol": "HTTP" }, "hosts": [ "*" ], "tls": { "httpsRedirect": true } },
            { "port": { "number": 443, "name": "https", "protocol": "HTTPS" }, "hosts": [ "shop/shop.example.com", "*.example.org" ],
              "tls": { "mode": "MUTUAL", "credentialName": "shop-cert", "minProtocolVersion": "TLSV1_2", "maxProtocolVersion": "TLSV1_3" } },
            { "port": { "number": 8443, "name": "tls", "protocol": "TLS" }, "hosts": [ "*.db.example.com" ], "tls": { "mode": "PASSTHROUGH" } },
            { "port": { "number": 31400, "name": "tcp", "protocol": "TCP" }, "hosts": [ "*" ] }
          ]
        }
        """;

    private const string VirtualServiceSpec = """
        {
          "hosts": [ "shop.example.com", "*" ],
          "gateways": [ "edge/gw", "mesh" ],
          "http": [
            {
              "name": "canary",
              "match": [
                { "uri": { "regex": "/reviews/[0-9]+" }, "ignoreUriCase": true, "method": { "exact": "GET" }, "port": 443,
                  "headers": { "end-user": { "exact": "jason" }, "x-present": {} }, "withoutHeaders": { "x-debug": { "prefix": "1" } },
                  "queryParams": { "v": { "exact": "2" } }, "gateways": [ "edge/gw" ] },
                { "authority": { "prefix": "shop" } }
              ],
              "route": [
                { "destination": { "host": "reviews", "port": { "number": 9080 }, "subset": "v1" }, "weight": 80 },
                { "destination": { "host": "reviews-v2.shop.svc.cluster.local" }, "weight": 20 }
              ],
              "rewrite": { "uri": "/v2", "authority": "reviews.internal" },
              "timeout": "1.5s",
              "retries": { "attempts": 3, "perTryTimeout": "500ms", "retryOn": "5xx,connect-failure" }
            },
            { "match": [ { "uri": { "exact": "/old" } } ], "redirect": { "uri": "/new", "authority": "new.example.com", "redirectCode": 302 } },
            { "directResponse": { "status": 503, "body": { "string": "down" } } }
          ],
          "tcp": [ { "match": [ { "port": 31400 } ], "route": [ { "destination": { "host": "tcp-echo", "port": { "number": 9000 } } } ] } ],
          "tls": [ { "match": [ { "port": 8443, "sniHosts": [ "*.db.example.com" ] } ], "route": [ { "destination": { "host": "db" } } ] } ]
        }
        """;

    private static readonly Lazy<(string Cert, string Key, string Ca)> Pem = new(() =>
    {
        using var ca = new TestCertificates();
        var (cert, key) = ca.Server("shop.example.com");
        return (cert, key, ca.CaPem);
    });

    private static readonly MeshService[] Services =
        [Service("shop", "reviews", 9080), Service("shop", "reviews-v2", 9080), Service("shop", "tcp-echo", 9000), Service("shop", "db", 5432)];

    private static JsonObject[] ValidObjects()
    {
        var (cert, key, ca) = Pem.Value;
        return
        [
            JsonNode.Parse(GatewayObject("edge", "gw", GatewaySpec).Json)!.AsObject(),
            JsonNode.Parse(VirtualServiceObject("shop", "vs", VirtualServiceSpec).Json)!.AsObject(),
            JsonNode.Parse(TlsSecret("edge", "shop-cert", cert, key, ca).Json)!.AsObject(),
        ];
    }

    [Fact]
    public void TheValidObjects_BuildWithoutWarningsButTheIgnoredSubset()
    {
        var config = Build(Resources(ValidObjects()), Services);
        Assert.Equal([80, 443, 8443, 31400], config.Listeners.Keys.Order());
        Assert.Contains(config.Warnings, w => w.Contains("subset", StringComparison.Ordinal));
        Assert.True(config.Warnings.Count == 1, string.Join("\n", config.Warnings));
        Assert.Equal(3, config.Listeners[443].HttpRoutes.Count);
        Assert.Equal(2, config.Listeners[443].HttpRoutes[0].Matches.Count);
        Assert.Single(config.Listeners[8443].StreamRoutes);
        Assert.Single(config.Listeners[31400].StreamRoutes);
    }

    [Property(MaxTest = 400)]
    public bool MutatedObjects_NeverThrow_AndWhatIsKeptIsWellFormed(int seed, byte mutations)
    {
        var random = new Random(seed);
        var objects = ValidObjects();
        for (var i = 0; i < 1 + mutations % 6; i++) Mutate(objects[random.Next(objects.Length)], random);
        var texts = objects.Select(o => o.ToJsonString()).ToArray();

        // Now and then the text itself is cut.
        if (random.Next(5) == 0)
        {
            var which = random.Next(texts.Length);
            texts[which] = texts[which][..random.Next(texts[which].Length)];
        }

        var config = Build(Resources(objects, texts), Services);
        return config.Warnings.All(w => !w.Contains("a bug in gateway.istio", StringComparison.Ordinal))
            && config.Listeners.All(l => l.Key == l.Value.Port && l.Value.Servers.Count > 0 && l.Value.Servers.All(s => s.Protocol == l.Value.Protocol && s.Hosts.Count > 0))
            && config.Listeners.Values.SelectMany(l => l.HttpRoutes).All(r => (r.Destinations.Count > 0) != (r.Direct is not null) && r.Destinations.All(d => d.Weight >= 0))
            && config.Listeners.Values.SelectMany(l => l.StreamRoutes).All(r => r.Destinations.Count > 0 && r.Destinations.Any(d => d.Weight > 0));
    }

    private static MeshResource[] Resources(JsonObject[] objects, string[]? texts = null)
    {
        var gateway = GatewayObject("edge", "gw", "{}");
        var vs = VirtualServiceObject("shop", "vs", "{}");
        var secret = TlsSecret("edge", "shop-cert", null, null);
        return
        [
            gateway with { Json = texts?[0] ?? objects[0].ToJsonString() },
            vs with { Json = texts?[1] ?? objects[1].ToJsonString() },
            secret with { Json = texts?[2] ?? objects[2].ToJsonString() },
        ];
    }

    // Replaces a random node with a value of another shape, removes it, or empties it.
    private static void Mutate(JsonObject root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        var parent = target.Parent;
        if (parent is null) return;
        JsonNode? replacement = random.Next(12) switch
        {
            0 => null,
            1 => JsonValue.Create(""),
            2 => JsonValue.Create(-1),
            3 => JsonValue.Create(long.MaxValue),
            4 => JsonValue.Create(1.5),
            5 => JsonValue.Create(true),
            6 => new JsonArray(),
            7 => new JsonObject(),
            8 => JsonValue.Create(new string('*', random.Next(1, 300))),
            9 => JsonValue.Create("([a-z"),
            10 => new JsonArray(JsonValue.Create("x"), JsonValue.Create(7), null),
            _ => JsonValue.Create("ns/" + random.Next()),
        };
        if (parent is JsonObject obj)
        {
            var name = obj.First(p => ReferenceEquals(p.Value, target)).Key;
            if (random.Next(4) == 0) obj.Remove(name);
            else obj[name] = replacement;
        }
        else if (parent is JsonArray array)
        {
            var index = array.IndexOf(target);
            if (random.Next(4) == 0) array.RemoveAt(index);
            else array[index] = replacement;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        if (node is JsonObject obj)
        {
            foreach (var (_, value) in obj)
            {
                if (value is not null) Collect(value, into);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is not null) Collect(item, into);
            }
        }
    }
}
