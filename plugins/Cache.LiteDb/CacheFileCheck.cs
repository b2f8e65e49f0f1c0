using System.Buffers.Binary;

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
/// <para>
/// Every page starts with the same header (<c>BasePage.cs</c>): bytes 0..3 page id, byte 4 page
/// type (0 empty, 1 header, 2 collection, 3 index, 4 data), 14..17 transaction id, 18 "confirmed".
/// LiteDB 5.0.21 trusts its journal blindly: a page whose confirmed byte is set confirms its
/// transaction, and a checkpoint writes every page of a confirmed transaction to
/// <c>page id × 8192</c> in the data file. A journal of random bytes thus scatters random pages
/// over the data file (over real pages when an id is small; a 16 TB sparse file was seen when
/// they were large), hence <see cref="FindJournalProblem"/>.
/// </para>
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

    private const int PageIdOffset = 0;
    private const int IsConfirmedOffset = 18;
    private const byte HighestPageType = 4;

    private static readonly byte[] Signature = Encoding.ASCII.GetBytes("** This is a LiteDB file **");

    /// <summary>The last page id the data file's header records (its logical size is that + 1 pages).</summary>
    public static uint ReadLastPageId(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[LastPageIdOffset + 4];
        stream.ReadExactly(header);
        return BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(LastPageIdOffset));
    }

    /// <summary>
    /// Returns why the journal at <paramref name="journal"/> must not be replayed into a data file
    /// whose header counts <paramref name="dataLastPageId"/> as its last page, or null when every
    /// page header in it is one LiteDB could have written. Blank pages (LiteDB skips them) are fine.
    /// </summary>
    public static string? FindJournalProblem(string journal, uint dataLastPageId)
    {
        using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var pages = stream.Length / PageSize;
        // A transaction allocates new pages after the data file's last one, and each new page is
        // written to the journal, so no page id can lie beyond this.
        var highest = dataLastPageId + pages;
        var header = new byte[32];
        for (var page = 0L; page < pages; page++)
        {
            stream.Position = page * PageSize;
            stream.ReadExactly(header);
            if (header.AsSpan(0, 16).IndexOfAnyExcept((byte)0) < 0) continue;
            var id = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(PageIdOffset));
            var type = header[PageTypeOffset];
            var at = $"journal page {page} (byte {page * PageSize})";
            if (type > HighestPageType) return $"{at} has page type {type}, not a LiteDB page type (0..{HighestPageType})";
            if (header[IsConfirmedOffset] > 1) return $"{at} has confirmed flag {header[IsConfirmedOffset]}, not 0 or 1";
            if ((type == HeaderPageType) != (id == 0)) return $"{at} is page {id} of type {type}: only page 0 is the header";
            if (id > highest) return $"{at} claims page id {id}, beyond the database (at most {highest})";
        }

        return null;
    }

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
