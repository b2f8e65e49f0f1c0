using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>
/// Renders the Go-template subset the chart uses, with Helm's semantics: field chains on maps,
/// <c>$</c> and <c>$var</c> (declared with <c>:=</c>, assigned with <c>=</c>), pipelines (the piped
/// value is the last argument), if/else/with/range/define/end, and the functions include, quote,
/// default, toYaml, nindent, indent, sha256sum, not, base, toString, printf (%s only), lookup,
/// randAlphaNum, b64enc, b64dec, dig, fail and <c>.Files.Get</c>/<c>.Files.Glob</c>. Anything else is an
/// error naming the construct, so the chart cannot quietly grow past what this test can check.
/// </summary>
/// <param name="cluster">
/// What <c>lookup</c> sees: the objects of a cluster (as <c>helm install</c>/<c>upgrade</c> would read
/// them from the API server), or null for no cluster at all, as with <c>helm template</c> and
/// client-side <c>--dry-run</c>, where every lookup returns an empty map.
/// </param>
public sealed partial class TemplateEngine(ClusterState? cluster = null)
{
    private readonly Dictionary<string, (List<TemplateToken> Tokens, int Start)> _defines = new(StringComparer.Ordinal);

    /// <summary>Registers every <c>define</c> in a template file (Helm shares them across all files).</summary>
    public void AddDefinitions(List<TemplateToken> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].IsAction || Keyword(tokens[i].Text) != "define") continue;
            var name = (string)ParseLiteral(tokens[i].Text["define".Length..].Trim());
            _defines[name] = (tokens, i + 1);
        }
    }

    public string Render(List<TemplateToken> tokens, object? root)
    {
        var sb = new StringBuilder();
        var scope = new Dictionary<string, object?>(StringComparer.Ordinal) { ["$"] = root };
        var end = Execute(tokens, 0, root, [scope], sb);
        if (end < tokens.Count) throw new FormatException($"unexpected {{{{ {tokens[end].Text} }}}}");
        return sb.ToString();
    }

    /// <summary>Runs tokens from <paramref name="i"/> until an unmatched end/else; returns its index. A null builder skips (parses only).</summary>
    private int Execute(List<TemplateToken> tokens, int i, object? dot, List<Dictionary<string, object?>> scopes, StringBuilder? sb)
    {
        while (i < tokens.Count)
        {
            var token = tokens[i];
            if (!token.IsAction) { sb?.Append(token.Text); i++; continue; }
            var keyword = Keyword(token.Text);
            var rest = token.Text[keyword.Length..].Trim();
            switch (keyword)
            {
                case "end":
                case "else":
                    if (keyword == "else" && rest.Length > 0) throw new FormatException("'else if'/'else with' is outside the supported subset");
                    return i;
                case "define":
                    i = ExpectEnd(tokens, Execute(tokens, i + 1, dot, scopes, null));
                    break;
                case "if":
                case "with":
                {
                    var value = sb is null ? null : Evaluate(rest, dot, scopes);
                    var taken = sb is not null && Truthy(value);
                    var inner = Push(scopes);
                    var next = Execute(tokens, i + 1, keyword == "with" && taken ? value : dot, inner, taken ? sb : null);
                    if (IsElse(tokens, next))
                        next = Execute(tokens, next + 1, dot, Push(scopes), sb is not null && !taken ? sb : null);
                    i = ExpectEnd(tokens, next);
                    break;
                }
                case "range":
                    i = ExecuteRange(tokens, i, rest, dot, scopes, sb);
                    break;
                default:
                {
                    if (sb is null) { i++; break; }
                    var (names, expr, assign) = SplitDeclaration(token.Text);
                    var value = Evaluate(expr, dot, scopes);
                    if (names.Count > 1) throw new FormatException("only one variable may be declared outside range");
                    if (names.Count == 0) sb.Append(YamlModel.Format(value));
                    // `=` changes the variable where it was declared (an enclosing block's, say), as Go does.
                    else if (assign) (scopes.LastOrDefault(s => s.ContainsKey(names[0])) ?? throw new FormatException($"undefined variable {names[0]}"))[names[0]] = value;
                    else scopes[^1][names[0]] = value;
                    i++;
                    break;
                }
            }
        }
        return i;
    }

    private int ExecuteRange(List<TemplateToken> tokens, int i, string rest, object? dot, List<Dictionary<string, object?>> scopes, StringBuilder? sb)
    {
        var (names, expr, assign) = SplitDeclaration(rest);
        if (assign) throw new FormatException("range with '=' is outside the supported subset");
        var items = new List<(object? Key, object? Value)>();
        if (sb is not null)
        {
            switch (Evaluate(expr, dot, scopes))
            {
                case null: break;
                case IDictionary<string, object?> map:
                    items.AddRange(map.Keys.Order(StringComparer.Ordinal).Select(k => ((object?)k, map[k])));
                    break;
                case IList<object?> list:
                    items.AddRange(list.Select((v, n) => ((object?)(long)n, v)));
                    break;
                case var other: throw new FormatException($"cannot range over {other.GetType().Name}");
            }
        }
        int next;
        if (items.Count == 0)
        {
            next = Execute(tokens, i + 1, dot, Push(scopes), null);
        }
        else
        {
            next = i + 1;
            foreach (var (key, value) in items)
            {
                var inner = Push(scopes);
                if (names.Count == 1) inner[^1][names[0]] = value;
                if (names.Count == 2) { inner[^1][names[0]] = key; inner[^1][names[1]] = value; }
                next = Execute(tokens, i + 1, value, inner, sb);
            }
        }
        if (IsElse(tokens, next))
            next = Execute(tokens, next + 1, dot, Push(scopes), sb is not null && items.Count == 0 ? sb : null);
        return ExpectEnd(tokens, next);
    }

    private static int ExpectEnd(List<TemplateToken> tokens, int i) =>
        i < tokens.Count && tokens[i].IsAction && tokens[i].Text == "end" ? i + 1 : throw new FormatException("missing {{ end }}");

    private static List<Dictionary<string, object?>> Push(List<Dictionary<string, object?>> scopes) =>
        [.. scopes, new Dictionary<string, object?>(StringComparer.Ordinal)];

    private static string Keyword(string action)
    {
        var end = 0;
        while (end < action.Length && char.IsAsciiLetter(action[end])) end++;
        var word = action[..end];
        if (word is "template" or "block" or "break" or "continue") throw new FormatException($"'{word}' is outside the supported subset");
        return word is "if" or "else" or "end" or "with" or "range" or "define" ? word : "";
    }

    /// <summary>
    /// <c>$a := x</c>, <c>$k, $v := x</c> (declarations) or <c>$a = x</c> (assignment) → the names, the
    /// expression and whether it assigns; anything else is an expression with no names.
    /// </summary>
    private static (List<string> Names, string Expr, bool Assign) SplitDeclaration(string text)
    {
        var match = DeclarationPattern().Match(text);
        if (!match.Success) return ([], text, false);
        var names = match.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries).ToList();
        return (names, match.Groups["expr"].Value.Trim(), match.Groups["op"].Value == "=");
    }

    [GeneratedRegex(@"^(?<names>\$\w*(\s*,\s*\$\w*)?)\s*(?<op>:=|=)(?<expr>.*)$", RegexOptions.Singleline)]
    private static partial Regex DeclarationPattern();

    private object? Evaluate(string expr, object? dot, List<Dictionary<string, object?>> scopes)
    {
        var words = ExpressionLexer.Split(expr);
        var pos = 0;
        var value = EvaluatePipeline(words, ref pos, dot, scopes);
        if (pos != words.Count) throw new FormatException($"unexpected '{words[pos]}' in '{expr}'");
        return value;
    }

    private object? EvaluatePipeline(List<string> words, ref int pos, object? dot, List<Dictionary<string, object?>> scopes)
    {
        object? piped = null;
        var first = true;
        while (true)
        {
            var command = new List<string>();
            var depth = 0;
            while (pos < words.Count && !(depth == 0 && (words[pos] is "|" or ")")))
            {
                if (words[pos] == "(") depth++;
                if (words[pos] == ")") depth--;
                command.Add(words[pos++]);
            }
            piped = EvaluateCommand(command, first ? null : [piped], dot, scopes);
            first = false;
            if (pos < words.Count && words[pos] == "|") { pos++; continue; }
            return piped;
        }
    }

    private object? EvaluateCommand(List<string> words, object?[]? piped, object? dot, List<Dictionary<string, object?>> scopes)
    {
        if (words.Count == 0) throw new FormatException("empty command");
        var head = words[0];
        var args = new List<object?>();
        var pos = 1;
        if (char.IsAsciiLetter(head[0]) && head is not ("true" or "false" or "nil"))
        {
            while (pos < words.Count) args.Add(EvaluateOperand(words, ref pos, dot, scopes));
            if (piped is not null) args.AddRange(piped);
            return CallFunction(head, args, dot);
        }
        if (head != "(" && (words.Count > 1 || piped is not null))
        {
            // .Files.Get "x": a method at the end of a field chain.
            var cut = head.LastIndexOf('.');
            if (cut <= 0) throw new FormatException($"'{head}' is not a function");
            while (pos < words.Count) args.Add(EvaluateOperand(words, ref pos, dot, scopes));
            if (piped is not null) args.AddRange(piped);
            var at = 0;
            var target = EvaluateOperand([head[..cut]], ref at, dot, scopes);
            return CallMethod(target, head[(cut + 1)..], args);
        }
        var start = 0;
        var value = EvaluateOperand(words, ref start, dot, scopes);
        if (start != words.Count) throw new FormatException($"unexpected '{words[start]}' after a value");
        return value;
    }

    private static bool IsElse(List<TemplateToken> tokens, int i) => i < tokens.Count && tokens[i].IsAction && tokens[i].Text == "else";

    private object? EvaluateOperand(List<string> words, ref int pos, object? dot, List<Dictionary<string, object?>> scopes)
    {
        var word = words[pos++];
        if (word == "(")
        {
            var value = EvaluatePipeline(words, ref pos, dot, scopes);
            if (pos >= words.Count || words[pos] != ")") throw new FormatException("missing ')'");
            pos++;
            return value;
        }
        if (word[0] is '"' or '`' || char.IsAsciiDigit(word[0]) || word[0] == '-' || word is "true" or "false" or "nil")
            return ParseLiteral(word);
        if (word == ".") return dot;
        if (word[0] == '.') return Fields(dot, word[1..]);
        if (word[0] == '$')
        {
            var dotAt = word.IndexOf('.', StringComparison.Ordinal);
            var name = dotAt < 0 ? word : word[..dotAt];
            var scope = scopes.LastOrDefault(s => s.ContainsKey(name)) ?? throw new FormatException($"undefined variable {name}");
            return dotAt < 0 ? scope[name] : Fields(scope[name], word[(dotAt + 1)..]);
        }
        throw new FormatException($"'{word}' cannot be an argument (call functions in parentheses)");
    }

    private static object? Fields(object? value, string chain)
    {
        foreach (var field in chain.Split('.'))
        {
            value = value switch
            {
                IDictionary<string, object?> map => map.TryGetValue(field, out var v) ? v : null,
                // Helm fails on a field of a missing value (nil pointer evaluating ...); so do we.
                null => throw new FormatException($"nil pointer evaluating .{field} in .{chain}"),
                ChartFiles => throw new FormatException($".Files.{field} needs arguments"),
                var other => throw new FormatException($"can't evaluate field {field} in {other.GetType().Name}"),
            };
        }
        return value;
    }

    private static object? CallMethod(object? target, string method, List<object?> args) => (target, method, args) switch
    {
        (ChartFiles files, "Get", [string path]) => files.Get(path),
        (ChartFiles files, "Glob", [string pattern]) => files.Glob(pattern),
        _ => throw new FormatException($"method {method} with {args.Count} argument(s) is outside the supported subset"),
    };

    private object? CallFunction(string name, List<object?> args, object? dot) => (name, args) switch
    {
        ("include", [string template, var data]) => Include(template, data),
        ("quote", [var v]) => "\"" + YamlModel.Format(v).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        ("default", [var fallback, var v]) => Truthy(v) ? v : fallback,
        ("default", [var fallback]) => fallback,
        ("toYaml", [var v]) => YamlModel.ToYaml(v),
        ("nindent", [long n, var v]) => "\n" + Indent((int)n, YamlModel.Format(v)),
        ("indent", [long n, var v]) => Indent((int)n, YamlModel.Format(v)),
        ("sha256sum", [var v]) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(YamlModel.Format(v)))),
        ("not", [var v]) => !Truthy(v),
        ("base", [string path]) => path[(path.LastIndexOf('/') + 1)..],
        ("toString", [var v]) => YamlModel.Format(v),
        ("printf", [string format, .. var rest]) => Printf(format, rest),
        ("lookup", [string apiVersion, string kind, string ns, string objectName]) => Lookup(apiVersion, kind, ns, objectName),
        ("randAlphaNum", [long n]) => RandomNumberGenerator.GetString(AlphaNumeric, checked((int)n)),
        ("b64enc", [var v]) => Convert.ToBase64String(Encoding.UTF8.GetBytes(YamlModel.Format(v))),
        ("b64dec", [var v]) => Base64Decode(YamlModel.Format(v)),
        ("dig", [_, _, _, ..]) => Dig(args),
        ("hasKey", [IDictionary<string, object?> map, string key]) => map.ContainsKey(key),
        ("fail", [string message]) => throw new TemplateFailedException(message),
        _ => throw new FormatException($"function {name} with {args.Count} argument(s) is outside the supported subset (dot: {dot?.GetType().Name ?? "nil"})"),
    };

    // Sprig's randAlphaNum: crypto/rand over [0-9A-Za-z] (goutils.CryptoRandomAlphaNumeric).
    private const string AlphaNumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Helm's lookup by name: a copy of the object, or an empty map when absent or when there is no cluster.</summary>
    private Dictionary<string, object?> Lookup(string apiVersion, string kind, string ns, string name)
    {
        // With an empty name Helm returns a *List object; the chart never asks for one.
        if (name.Length == 0) throw new FormatException("lookup of a list (empty name) is outside the supported subset");
        return cluster?.Find(apiVersion, kind, ns, name) ?? new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    /// <summary>
    /// Sprig's b64dec (standard alphabet, padded). Sprig returns the decoder's error text as the
    /// value for invalid input; this renderer refuses instead, so such a chart cannot pass unseen.
    /// </summary>
    private static string Base64Decode(string text)
    {
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var n) || text.Any(char.IsWhiteSpace))
            throw new FormatException($"b64dec of '{text}': not base64 (Sprig would print the decoder's error as the value)");
        return Encoding.UTF8.GetString(bytes, 0, n);
    }

    /// <summary>Sprig's dig: keys..., default, map. A missing key gives the default; a non-map on the way fails as Sprig does.</summary>
    private static object? Dig(List<object?> args)
    {
        if (args[^1] is not IDictionary<string, object?> map) throw new FormatException("dig: the last argument must be a map");
        var fallback = args[^2];
        var keys = args[..^2];
        for (var k = 0; k < keys.Count; k++)
        {
            if (keys[k] is not string key) throw new FormatException("dig: keys must be strings");
            if (!map.TryGetValue(key, out var step)) return fallback;
            if (k == keys.Count - 1) return step;
            map = step as IDictionary<string, object?> ?? throw new FormatException($"dig: '{key}' does not hold a map (Sprig panics here)");
        }
        return fallback;
    }

    private string Include(string template, object? data)
    {
        if (!_defines.TryGetValue(template, out var def)) throw new FormatException($"no template named \"{template}\"");
        var sb = new StringBuilder();
        var scope = new Dictionary<string, object?>(StringComparer.Ordinal) { ["$"] = data };
        ExpectEnd(def.Tokens, Execute(def.Tokens, def.Start, data, [scope], sb));
        return sb.ToString();
    }

    private static string Indent(int n, string text)
    {
        var pad = new string(' ', n);
        return pad + text.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    private static string Printf(string format, List<object?> args)
    {
        var parts = format.Split("%s");
        if (parts.Length - 1 != args.Count || format.Replace("%s", "", StringComparison.Ordinal).Contains('%', StringComparison.Ordinal))
            throw new FormatException($"printf \"{format}\": only %s verbs, one per argument, are supported");
        var sb = new StringBuilder(parts[0]);
        for (var k = 0; k < args.Count; k++) sb.Append(YamlModel.Format(args[k])).Append(parts[k + 1]);
        return sb.ToString();
    }

    /// <summary>Go template truth: false, 0, nil and empty strings, lists and maps are false.</summary>
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        IDictionary<string, object?> m => m.Count > 0,
        IList<object?> l => l.Count > 0,
        _ => true,
    };

    private static object ParseLiteral(string word)
    {
        if (word.StartsWith('`')) return word[1..^1];
        if (word.StartsWith('"'))
        {
            var sb = new StringBuilder();
            for (var k = 1; k < word.Length - 1; k++)
            {
                if (word[k] != '\\') { sb.Append(word[k]); continue; }
                k++;
                sb.Append(word[k] switch { 'n' => '\n', 't' => '\t', var c => c });
            }
            return sb.ToString();
        }
        if (word is "true" or "false") return word == "true";
        if (word == "nil") throw new FormatException("nil literals are outside the supported subset");
        return long.Parse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }
}
