using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Catalog.File.Parsing;

namespace PluginMesh.Plugins.Catalog.File.Tests.Parsing;

public sealed class FileCatalogParserTests
{
    [Fact]
    public void Parse_ExampleCatalog_YieldsEveryServiceEndpointAndNode()
    {
        var path = RepoPaths.Of("examples/catalog.yaml");
        var result = FileCatalogParser.Parse(System.IO.File.ReadAllText(path), path);

        Assert.Empty(result.Problems);
        var state = Assert.IsType<FileCatalogState>(result.State);
        Assert.Equal(["demo/web", "demo/dns-echo", "demo/db"], state.Services.Select(s => s.Key.ToString()));

        var web = state.Services[0];
        Assert.Equal([IPAddress.Parse("10.96.0.10")], web.ClusterIps);
        Assert.Equal(new ServicePort("http", 80, TransportProtocol.Tcp, 8080), Assert.Single(web.Ports));
        Assert.Equal(SessionAffinity.ClientIP, web.Affinity);
        Assert.Equal(600, web.AffinityTimeoutSeconds);
        Assert.Equal("round-robin", web.LoadBalancer);
        Assert.Equal("web", web.Labels!["app"]);

        var webEndpoints = state.Endpoints[0].Endpoints;
        Assert.Equal(3, webEndpoints.Count);
        Assert.Equal("node-b", webEndpoints[0].NodeName);
        Assert.True(webEndpoints[0].Ready);
        Assert.False(webEndpoints[2].Ready);
        Assert.Equal([new EndpointPort("http", 8080, TransportProtocol.Tcp)], webEndpoints[0].Ports);

        var dnsEcho = state.Services[1];
        Assert.Equal(2, dnsEcho.ClusterIps.Count);
        Assert.Equal(TransportProtocol.Udp, dnsEcho.Ports[0].Protocol);

        var db = state.Services[2];
        Assert.True(db.Headless);
        Assert.Empty(db.ClusterIps);
        Assert.Equal("postgres", db.Ports[0].TargetPortName);
        Assert.Equal("db-0", state.Endpoints[2].Endpoints[0].Hostname);

        Assert.Equal(["node-b", "node-c"], state.Nodes.Select(n => n.Name));
        Assert.Equal(["10.244.1.0/24"], state.Nodes[0].PodCidrs);
        Assert.Equal("shop-2", state.Nodes[1].Labels!["zone"]);
    }

    [Fact]
    public void Parse_ReadmeSchemaExample_IsValid()
    {
        var readme = RepoPaths.Of("plugins/Catalog.File/README.md");
        var schema = Assert.Single(ReadmeYaml.Blocks(readme), b => b.StartsWith("services:", StringComparison.Ordinal));
        var result = FileCatalogParser.Parse(schema, readme);
        Assert.Empty(result.Problems);
        Assert.Equal("demo/web", Assert.Single(result.State!.Services).Key.ToString());
        Assert.Equal("web-0", result.State.Endpoints[0].Endpoints[0].Hostname);
    }

    [Fact]
    public void Parse_Defaults_AppliedLikeKubernetes()
    {
        const string yaml = """
            services:
              - name: api
                clusterIP: None
            nodes: []
            """;
        var state = FileCatalogParser.Parse(yaml, "c.yaml").State!;
        var api = Assert.Single(state.Services);
        Assert.Equal(new ServiceKey("default", "api"), api.Key);
        Assert.True(api.Headless);
        Assert.Equal(SessionAffinity.None, api.Affinity);
        Assert.Equal(10800, api.AffinityTimeoutSeconds);
        Assert.Empty(Assert.Single(state.Endpoints).Endpoints);
    }

    [Fact]
    public void Parse_EmptyServicesList_IsAnEmptyCatalog()
    {
        var state = FileCatalogParser.Parse("services: []\n", "c.yaml").State!;
        Assert.Empty(state.Services);
        Assert.Empty(state.Nodes);
    }

    // Each row: YAML, expected line, expected field, a fragment of the message.
    public static TheoryData<string, int, string, string> BadFiles => new()
    {
        { "", 1, "", "file is empty" },
        { "services: [\n  - name: a\n", 2, "", "invalid YAML" },
        { "services: []\nnodes: []\nservices: []\n", 3, "", "invalid YAML" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.300\n    ports: [{port: 80}]\n", 3, "services[0].clusterIP", "not an IP address" },
        { "services:\n  - clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n", 2, "services[0].name", "required field is missing" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n  - name: web\n    clusterIP: 10.96.0.2\n    ports: [{port: 80}]\n", 5, "services[1]", "duplicate service default/web (first defined on line 2)" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80000}]\n", 4, "services[0].ports[0].port", "not an integer from 1 to 65535" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80, protocol: SCTP}]\n", 4, "services[0].ports[0].protocol", "use TCP or UDP" },
        { "services:\n  - name: web\n    clusterIp: 10.96.0.1\n", 3, "services[0].clusterIp", "unknown field" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n    endpoints:\n      - {ip: 10.244.1.x, node: b}\n", 6, "services[0].endpoints[0].ip", "not an IP address" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n    endpoints:\n      - {node: b}\n", 6, "services[0].endpoints[0].ip", "required field is missing" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n    endpoints:\n      - {ip: 10.244.1.5}\n      - {ip: 10.244.1.5}\n", 7, "services[0].endpoints[1].ip", "duplicate endpoint" },
        { "services:\n  - name: web\n    ports: [{port: 80}]\n", 2, "services[0]", "give clusterIP, clusterIPs or headless: true" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n", 2, "services[0].ports", "needs at least one port" },
        { "services:\n  - name: Web_1\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n", 2, "services[0].name", "not a valid service name" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}, {port: 81}]\n", 4, "services[0].ports[0].name", "more than one port" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    headless: true\n    ports: [{port: 80}]\n", 4, "services[0].headless", "has no cluster IP" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    sessionAffinity: Sticky\n    ports: [{port: 80}]\n", 4, "services[0].sessionAffinity", "not None or ClientIP" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    externalTrafficPolicy: local\n    ports: [{port: 80}]\n", 4, "services[0].externalTrafficPolicy", "not Cluster or Local" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    externalIPs: [192.168.1.200, 192.168.1]\n    ports: [{port: 80}]\n", 4, "services[0].externalIPs[1]", "not an IP address" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    healthCheckNodePort: 32100\n    ports: [{port: 80}]\n", 4, "services[0].healthCheckNodePort", "needs externalTrafficPolicy: Local" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    externalTrafficPolicy: Local\n    healthCheckNodePort: 70000\n    ports: [{port: 80}]\n", 5, "services[0].healthCheckNodePort", "70000" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80, targetPort: http}]\n    endpoints: [{ip: 10.244.1.5}]\n", 5, "services[0].endpoints[0].ports", "list ports on each endpoint" },
        { "services:\n  - name: web\n    clusterIP: 10.96.0.1\n    ports: [{port: 80}]\n    endpoints: [{ip: 10.244.1.5, ready: maybe}]\n", 5, "services[0].endpoints[0].ready", "not true or false" },
        { "nodes:\n  - {name: b, podCIDRs: [10.244.1.0/33]}\n", 2, "nodes[0].podCIDRs[0]", "not a CIDR" },
        { "nodes:\n  - {name: b}\n  - {name: b}\n", 3, "nodes[1]", "duplicate node b" },
        { "nodes:\n  - {name: b, addresses: [192.168.1]}\n", 2, "nodes[0].addresses[0]", "not an IP address" },
        { "- just\n- a list\n", 1, "", "expected a mapping" },
        { "services: web\n", 1, "services", "expected a list" },
        { "services: []\n---\nservices: []\n", 1, "", "expected one YAML document" },
    };

    [Fact]
    public void Parse_NodePortWithExternalIpsAndLocalPolicy_KeepsThem()
    {
        const string yaml = "services:\n  - name: edge\n    clusterIP: 10.96.0.20\n    externalIPs: [192.168.1.200]\n    externalTrafficPolicy: Local\n" +
                            "    healthCheckNodePort: 32100\n    ports: [{port: 80, nodePort: 30080}]\n";
        var service = Assert.Single(Assert.IsType<FileCatalogState>(FileCatalogParser.Parse(yaml, "catalog.yaml").State).Services);

        Assert.Equal(30080, service.Ports[0].NodePort);
        Assert.Equal([IPAddress.Parse("192.168.1.200")], service.ExternalIps!);
        Assert.Equal(ExternalTrafficPolicy.Local, service.ExternalTraffic);
        Assert.Equal(32100, service.HealthCheckNodePort);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Parse_BadFile_ReportsFileLineFieldAndReason(string yaml, int line, string field, string message)
    {
        var result = FileCatalogParser.Parse(yaml, "/etc/pluginmesh/catalog.yaml");

        Assert.False(result.Success);
        Assert.Null(result.State);
        Assert.Contains(result.Problems, p =>
            p.File == "/etc/pluginmesh/catalog.yaml" && p.Line == line && p.Field == field &&
            p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralMistakes_ReportsEveryOne()
    {
        const string yaml = """
            services:
              - name: web
                clusterIP: 10.96.0.1
                ports: [{port: 0}]
              - name: api
                clusterIP: nope
                ports: [{port: 80}]
            nodes:
              - {name: n, podCIDRs: [x]}
            """;
        var problems = FileCatalogParser.Parse(yaml, "c.yaml").Problems;
        Assert.Equal(["services[0].ports[0].port", "services[1].clusterIP", "nodes[0].podCIDRs[0]"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Problem_ToString_NamesFileLineColumnAndField()
    {
        var problem = new FileCatalogProblem("/c.yaml", 4, 7, "services[0].ports[0].port", "bad");
        Assert.Equal("/c.yaml:4:7: services[0].ports[0].port: bad", problem.ToString());
    }
}
