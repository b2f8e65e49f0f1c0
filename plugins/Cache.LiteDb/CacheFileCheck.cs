using System.Buffers.Binary;
using System.Text;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Decides, before LiteDB sees a file, whether it is a LiteDB 5 database worth opening.
/// </summary>
/// <remarks>
/// LiteDB treats a file shorter than one page as a new database and writes a fresh header over it,
/// so a stray text file or a truncated cache would vanish without a word. Layout of the header
/// page (LiteDB 5, <c>HeaderPage.cs</c>, confirmed by hexdump of a file this plugin created):
/// byte 4 page type (1 = header), bytes 32..58 <c>** This is a LiteDB file **</c>, byte 59 file
/// format version (8), bytes 64..67 last page id (little-endian).
/// </remarks>
internal static class CacheFileCheck
{
    /// <summary>LiteDB's page size; every file is a whole number of pages.</summary>
    public const int PageSize = 8192;

    private const int PageTypeOffset = 4;
    private const byte HeaderPageType = 1;
    private const int SignatureOffset = 32;
    private const int FileVersionOffset = 59;
    private const byte FileVersion = 8;
    private const int LastPageIdOffset = 64;

    private static readonly byte[] Signature = Encoding.ASCII.GetBytes("** This is a LiteDB file **");

    /// <summary>
    /// Returns why the file at <paramref name="path"/> must not be opened, or null when it looks
    /// like a whole LiteDB 5 database.
    /// </summary>
    /// <param name="path">An existing file.</param>
    /// <param name="journalHasPages">
    /// True when the LiteDB log (journal) beside it holds pages. Then the data file may lawfully be
    /// shorter than its header says (a checkpoint was cut short) and LiteDB finishes it from the log.
    /// </param>
    public static string? FindProblem(string path, bool journalHasPages)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = stream.Length;
        if (length == 0) return "the file is empty";
        if (length < PageSize)
        {
            return $"the file is {length} bytes, shorter than one {PageSize}-byte LiteDB page (truncated, or not a LiteDB file)";
        }

        var header = new byte[LastPageIdOffset + 4];
        stream.ReadExactly(header);

        if (!header.AsSpan(SignatureOffset, Signature.Length).SequenceEqual(Signature))
        {
            return "no LiteDB header (expected '** This is a LiteDB file **' at byte 32); not a LiteDB file, or encrypted";
        }

        if (header[FileVersionOffset] != FileVersion)
        {
            return $"LiteDB file format version {header[FileVersionOffset]}, expected {FileVersion} (LiteDB 5)";
        }

        if (header[PageTypeOffset] != HeaderPageType)
        {
            return $"first page has type {header[PageTypeOffset]}, expected the header page ({HeaderPageType})";
        }

        var lastPageId = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(LastPageIdOffset));
        var expected = ((long)lastPageId + 1) * PageSize;
        if (!journalHasPages && length < expected)
        {
            return $"the file is {length} bytes but its header counts {lastPageId + 1} pages ({expected} bytes): truncated";
        }

        return null;
    }
}
