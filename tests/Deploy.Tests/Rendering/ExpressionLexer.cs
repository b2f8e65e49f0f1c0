using System.Text;

namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>Splits an action's pipeline into words: quoted strings, parentheses, pipes and bare words.</summary>
public static class ExpressionLexer
{
    public static List<string> Split(string expr)
    {
        var words = new List<string>();
        var i = 0;
        while (i < expr.Length)
        {
            var c = expr[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '(' or ')' or '|') { words.Add(c.ToString()); i++; continue; }
            if (c is '"' or '`')
            {
                var sb = new StringBuilder().Append(c);
                i++;
                while (i < expr.Length && expr[i] != c)
                {
                    if (c == '"' && expr[i] == '\\' && i + 1 < expr.Length) sb.Append(expr[i++]);
                    sb.Append(expr[i++]);
                }
                if (i >= expr.Length) throw new FormatException($"unterminated string in '{expr}'");
                words.Add(sb.Append(c).ToString());
                i++;
                continue;
            }
            var start = i;
            while (i < expr.Length && !char.IsWhiteSpace(expr[i]) && expr[i] is not ('(' or ')' or '|' or '"')) i++;
            words.Add(expr[start..i]);
        }
        return words;
    }
}
