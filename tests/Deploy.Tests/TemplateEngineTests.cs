using PluginMesh.Deploy.Tests.Rendering;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The renderer against text/template and Helm behaviour the chart relies on (expected outputs are
/// what helm 3 prints for the same templates), so a renderer bug cannot hide a chart bug.
/// </summary>
[Trait("Category", "Deploy")]
public sealed class TemplateEngineTests
{
    private static string Render(string template, object? values, params string[] helpers)
    {
        var engine = new TemplateEngine();
        foreach (var h in helpers) engine.AddDefinitions(TemplateLexer.Tokenize(h));
        var root = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Values"] = YamlModel.Load(values as string ?? "{}") };
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
    public void ConstructsOutsideTheSubset_AreErrors_NotSilentOutput()
    {
        Assert.Throws<FormatException>(() => Render("{{ upper \"x\" }}", null));
        Assert.Throws<FormatException>(() => Render("{{ if .Values.a }}x{{ else if .Values.b }}y{{ end }}", null));
        Assert.Throws<FormatException>(() => Render("{{ template \"x\" . }}", null));
        Assert.Throws<FormatException>(() => Render("{{ if .Values.a }}x", null));
    }
}
