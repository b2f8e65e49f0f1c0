using System.Text;

namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>
/// Splits a Go template into text and action tokens, applying <c>{{-</c> / <c>-}}</c> trimming the way
/// text/template does (all adjacent white space: space, tab, CR, LF) and dropping comments.
/// </summary>
public static class TemplateLexer
{
    public static List<TemplateToken> Tokenize(string source)
    {
        var tokens = new List<TemplateToken>();
        var text = new StringBuilder();
        var trimNextText = false;
        var i = 0;
        while (i < source.Length)
        {
            var open = source.IndexOf("{{", i, StringComparison.Ordinal);
            var chunk = open < 0 ? source[i..] : source[i..open];
            if (trimNextText) chunk = chunk.TrimStart(' ', '\t', '\r', '\n');
            text.Append(chunk);
            trimNextText = false;
            if (open < 0) break;

            var close = source.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw new FormatException($"unclosed action at offset {open}");
            var body = source[(open + 2)..close];
            // Go requires a space after "{{-" and before "-}}" for them to mean trimming.
            if (body.StartsWith("- ", StringComparison.Ordinal) || body == "-")
            {
                body = body[1..];
                var trimmed = text.ToString().TrimEnd(' ', '\t', '\r', '\n');
                text.Clear().Append(trimmed);
            }
            if (body.EndsWith(" -", StringComparison.Ordinal))
            {
                body = body[..^1];
                trimNextText = true;
            }
            body = body.Trim();
            if (text.Length > 0) tokens.Add(new TemplateToken(false, text.ToString()));
            text.Clear();
            if (!(body.StartsWith("/*", StringComparison.Ordinal) && body.EndsWith("*/", StringComparison.Ordinal)))
                tokens.Add(new TemplateToken(true, body));
            i = close + 2;
        }
        if (text.Length > 0) tokens.Add(new TemplateToken(false, text.ToString()));
        return tokens;
    }
}
