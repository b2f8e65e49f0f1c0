using PluginMesh.Deploy.Tests.Rendering;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The renderer against text/template and Helm behaviour the chart relies on (expected outputs are
/// what helm 3 prints for the same templates), so a renderer bug cannot hide a chart bug.
/// </summary>
[Trait("Category", "Deploy")]
public sealed class TemplateEngineTests
{
    private static string Render(string template, object? values, params string[] helpers) => RenderIn(null, template, values, helpers);

    private static string RenderIn(ClusterState? cluster, string template, object? values, params string[] helpers)
    {
        var engine = new TemplateEngine(cluster);
        foreach (var h in helpers) engine.AddDefinitions(TemplateLexer.Tokenize(h));
        var root = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Values"] = YamlModel.Load(values as string ?? "{}"),
            ["Release"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Namespace"] = "mesh" },
        };
        return engine.Render(TemplateLexer.Tokenize(template), root);
    }

    [Fact]
    public void TrimMarkers_RemoveAllAdjacentWhiteSpace()
    {
        Assert.Equal("a:b", Render("a:  \n  {{- \"b\" -}}  \n\n", null));
        Assert.Equal("x\ny", Render("x\n{{- /* gone */}}\ny", null));
    }

    [Fact]
    public void IfElse_UsesGoTruth()
    {
        const string t = "{{ if .Values.v }}yes{{ else }}no{{ end }}";
        Assert.Equal("no", Render(t, "v: 0"));
        Assert.Equal("no", Render(t, "v: \"\""));
        Assert.Equal("no", Render(t, "v: {}"));
        Assert.Equal("no", Render(t, "w: 1"));
        Assert.Equal("yes", Render(t, "v: [1]"));
        Assert.Equal("yes", Render(t, "v: \"false\""));
    }

    [Fact]
    public void Range_OverAMap_GoesInKeyOrder_AndWithRebindsDot()
    {
        Assert.Equal("a=1;b=2;", Render("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}", "m: {b: 2, a: 1}"));
        Assert.Equal("x y ", Render("{{ range .Values.l }}{{ . }} {{ end }}", "l: [x, y]"));
        Assert.Equal("none", Render("{{ range .Values.l }}{{ . }}{{ else }}none{{ end }}", "l: []"));
        Assert.Equal("3", Render("{{ with .Values.a }}{{ .b }}{{ end }}", "a: {b: 3}"));
    }

    [Fact]
    public void Include_Default_Quote_Nindent_ToYaml_BehaveLikeHelm()
    {
        const string helpers = "{{- define \"n\" -}}{{ default \"rel\" .Values.o }}{{- end }}";
        Assert.Equal("name: rel", Render("name: {{ include \"n\" . }}", "o: \"\"", helpers));
        Assert.Equal("name: set", Render("name: {{ include \"n\" . }}", "o: set", helpers));
        Assert.Equal("v: \"1.0\"", Render("v: {{ .Values.s | quote }}", "s: \"1.0\""));
        Assert.Equal("k:\n  a: \"\"\n  b:\n  - x\n  - \"true\"", Render("k:{{ toYaml .Values.m | nindent 2 }}", "m: {b: [x, \"true\"], a: \"\"}"));
        Assert.Equal("{}", Render("{{ toYaml .Values.m }}", "m: {}"));
        Assert.Equal("name-psk", Render("{{ printf \"%s-psk\" \"name\" }}", null));
    }

    [Fact]
    public void MissingValues_PrintEmpty_ButAFieldOfAMissingValueFails()
    {
        Assert.Equal("[]", Render("[{{ .Values.nope }}]", null));
        var ex = Assert.Throws<FormatException>(() => Render("{{ .Values.nope.deeper }}", null));
        Assert.Contains("nil pointer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_AssignmentChangesTheDeclaringScope_ButADeclarationEndsWithItsBlock()
    {
        // text/template (Go 1.11+): `=` assigns the variable where it was declared.
        Assert.Equal("b", Render("{{ $x := \"a\" }}{{ if true }}{{ $x = \"b\" }}{{ end }}{{ $x }}", null));
        Assert.Equal("a", Render("{{ $x := \"a\" }}{{ if true }}{{ $x := \"b\" }}{{ end }}{{ $x }}", null));
        Assert.Equal("1", Render("{{ $x := .Values.n }}{{ with .Values.m }}{{ $x = .k }}{{ end }}{{ $x }}", "n: 0\nm: {k: 1}"));
        // Go refuses these at parse time ("undefined variable"); so do we.
        Assert.Contains("undefined variable $y", Assert.Throws<FormatException>(() => Render("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}", null)).Message, StringComparison.Ordinal);
        Assert.Contains("undefined variable $z", Assert.Throws<FormatException>(() => Render("{{ $z = 1 }}", null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Base64AndSha256_PrintWhatSprigPrints()
    {
        // Values as printed by helm 3 (Sprig v3: base64 StdEncoding, sha256 lower-case hex).
        Assert.Equal("aGVsbG8=", Render("{{ \"hello\" | b64enc }}", null));
        Assert.Equal("L2tleS9zd2FybS9wc2svMS4wLjAvCg==", Render("{{ \"/key/swarm/psk/1.0.0/\\n\" | b64enc }}", null));
        Assert.Equal("hello", Render("{{ \"aGVsbG8=\" | b64dec }}", null));
        Assert.Equal("", Render("{{ \"\" | b64dec }}", null));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Render("{{ sha256sum \"abc\" }}", null));
        // Sprig returns the decoder's error text as the value; the renderer refuses rather than print it.
        Assert.Throws<FormatException>(() => Render("{{ \"not base64!\" | b64dec }}", null));
    }

    [Fact]
    public void RandAlphaNum_IsAlphanumericOfTheLengthAsked_AndFreshEachTime()
    {
        var first = Render("{{ randAlphaNum 64 }}", null);
        var second = Render("{{ randAlphaNum 64 }}", null);
        Assert.Matches("^[0-9A-Za-z]{64}$", first);
        Assert.Matches("^[0-9A-Za-z]{64}$", second);
        Assert.NotEqual(first, second);
        Assert.Matches("^[0-9a-f]{64}$", Render("{{ randAlphaNum 64 | sha256sum }}", null));
    }

    [Fact]
    public void Lookup_WithoutACluster_IsEmptyLikeHelmTemplate_AndWithOneFindsByKindNamespaceAndName()
    {
        const string t = "{{ $s := lookup \"v1\" \"Secret\" .Release.Namespace \"k\" }}{{ if $s }}{{ $s.data.a | b64dec }}{{ else }}none{{ end }}";
        Assert.Equal("none", Render(t, null));
        Assert.Equal("none", RenderIn(ClusterState.Empty(), t, null));

        var cluster = ClusterState.Empty().With([Secret("mesh", "k", "eA=="), Secret("other", "k", "eQ=="), Secret("mesh", "j", "eg==")]);
        Assert.Equal("x", RenderIn(cluster, t, null));
        Assert.Equal("none", RenderIn(cluster, t.Replace("\"Secret\"", "\"ConfigMap\"", StringComparison.Ordinal), null));
        Assert.Equal("none", RenderIn(cluster, t.Replace("\"v1\"", "\"v2\"", StringComparison.Ordinal), null));
        // Helm returns a *List for an empty name; the chart never asks, so the renderer refuses.
        Assert.Throws<FormatException>(() => RenderIn(cluster, "{{ lookup \"v1\" \"Secret\" \"mesh\" \"\" }}", null));
    }

    [Fact]
    public void Dig_WalksNestedMaps_AndGivesTheDefaultForAMissingKey()
    {
        const string values = "m: {a: {b: x}, s: text}";
        Assert.Equal("x", Render("{{ dig \"a\" \"b\" \"def\" .Values.m }}", values));
        Assert.Equal("def", Render("{{ dig \"a\" \"c\" \"def\" .Values.m }}", values));
        Assert.Equal("def", Render("{{ dig \"z\" \"b\" \"def\" .Values.m }}", values));
        Assert.Equal("def", Render("{{ dig \"a\" \"def\" .Values.e }}", "e: {}"));
        // Sprig panics on a non-map on the way (interface conversion); an error here too.
        Assert.Throws<FormatException>(() => Render("{{ dig \"s\" \"b\" \"def\" .Values.m }}", values));
    }

    [Fact]
    public void Fail_StopsTheRenderWithItsMessage()
    {
        var ex = Assert.Throws<TemplateFailedException>(() => Render("a{{ if .Values.bad }}{{ fail (printf \"%s is bad\" \"x\") }}{{ end }}", "bad: true"));
        Assert.Equal("x is bad", ex.Message);
        Assert.Equal("a", Render("a{{ if .Values.bad }}{{ fail \"no\" }}{{ end }}", "bad: false"));
    }

    private static Dictionary<string, object?> Secret(string ns, string name, string a) =>
        (Dictionary<string, object?>)YamlModel.Load($"{{apiVersion: v1, kind: Secret, metadata: {{name: {name}, namespace: {ns}}}, data: {{a: \"{a}\"}}}}")!;

    [Fact]
    public void ConstructsOutsideTheSubset_AreErrors_NotSilentOutput()
    {
        Assert.Throws<FormatException>(() => Render("{{ upper \"x\" }}", null));
        Assert.Throws<FormatException>(() => Render("{{ if .Values.a }}x{{ else if .Values.b }}y{{ end }}", null));
        Assert.Throws<FormatException>(() => Render("{{ template \"x\" . }}", null));
        Assert.Throws<FormatException>(() => Render("{{ if .Values.a }}x", null));
    }
}
