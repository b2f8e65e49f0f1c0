namespace PluginMesh.P2p;

/// <summary>
/// The Try… forms of the core's parsers, written once: a parser's <see cref="FormatException"/>
/// becomes false and its message; nothing else is caught.
/// </summary>
internal static class NonThrowing
{
    /// <summary>A parser of binary input.</summary>
    public delegate T SpanParser<out T>(ReadOnlySpan<byte> input);

    public static bool Try<T>(SpanParser<T> parse, ReadOnlySpan<byte> input, out T? value, out string? error)
        where T : class
    {
        try
        {
            value = parse(input);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            value = null;
            error = e.Message;
            return false;
        }
    }

    // Text goes through the same catch: the closure holds it, the span argument is unused.
    public static bool Try<T>(Func<string, T> parse, string text, out T? value, out string? error)
        where T : class =>
        Try(_ => parse(text), ReadOnlySpan<byte>.Empty, out value, out error);
}
