using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// Picks the assembly of a plugin folder that is the plugin, without loading anything: the DLL named
/// like the folder (<c>PluginMesh.Plugins.&lt;Folder&gt;.dll</c>, else <c>&lt;Folder&gt;.dll</c>) when
/// there is one, otherwise the one DLL whose metadata holds a public class implementing
/// <see cref="IPluginMeshPlugin"/>; and the plugin id that DLL declares in its metadata, if any.
/// </summary>
/// <remarks>
/// The scan reads metadata tables (System.Reflection.Metadata) and skips every DLL that does not
/// reference PluginMesh.Abstractions, so a folder's dependencies are opened, never loaded. It sees an
/// entry class that implements the interface itself, through an interface of its own, or through base
/// classes in its own assembly or in Abstractions; a base class from some other assembly is not
/// followed (name such a plugin's DLL like its folder).
/// </remarks>
internal static class EntryAssembly
{
    private const string AbstractionsName = "PluginMesh.Abstractions";
    private const int MaxBaseDepth = 64;

    /// <summary>
    /// The key of the <see cref="AssemblyMetadataAttribute"/> by which a plugin's assembly declares its
    /// id, so that the host can leave a plugin the configuration does not enable unloaded.
    /// </summary>
    public const string IdMetadataKey = "PluginMesh.PluginId";

    /// <summary>The folder's entry assembly, or why it has none.</summary>
    /// <param name="Dll">Path of the entry assembly; null when the host cannot pick one.</param>
    /// <param name="Problem">Why not (no DLL, no entry type, several candidates); null when <paramref name="Dll"/> is set.</param>
    /// <param name="DeclaredId">The id the entry assembly declares (<see cref="IdMetadataKey"/>); null when it declares none.</param>
    public readonly record struct Choice(string? Dll, string? Problem, string? DeclaredId = null);

    public static Choice Find(string folder)
    {
        var choice = Pick(folder);
        return choice.Dll is null ? choice : choice with { DeclaredId = TryDeclaredId(choice.Dll) };
    }

    private static Choice Pick(string folder)
    {
        var name = Path.GetFileName(folder);
        var named = new[] { $"PluginMesh.Plugins.{name}.dll", $"{name}.dll" }
            .Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);
        if (named is not null) return new(named, null);

        var dlls = Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal).ToList();
        if (dlls.Count == 0) return new(null, "no .dll in the folder");
        var candidates = new List<(string Dll, IReadOnlyList<string> Types)>();
        var unreadable = new List<string>();
        foreach (var dll in dlls)
        {
            var types = TryEntryTypes(dll, typeof(IPluginMeshPlugin), out var error);
            if (error is not null) unreadable.Add($"{Path.GetFileName(dll)} ({error})");
            else if (types.Count > 0) candidates.Add((dll, types));
        }
        return candidates.Count switch
        {
            1 => new(candidates[0].Dll, null),
            0 => new(null, $"no entry type: none of its {dlls.Count} .dll file(s) has a public class implementing {nameof(IPluginMeshPlugin)}"
                + (unreadable.Count > 0 ? "; could not read " + string.Join(", ", unreadable) : "")),
            _ => new(null, $"{candidates.Count} assemblies hold a plugin entry type: "
                + string.Join(", ", candidates.Select(c => $"{Path.GetFileName(c.Dll)} ({string.Join(", ", c.Types)})"))
                + "; a folder holds one plugin, so give each its own folder"),
        };
    }

    /// <summary>
    /// The id the assembly declares with <c>[assembly: AssemblyMetadata("PluginMesh.PluginId", "&lt;id&gt;")]</c>,
    /// read from its metadata without loading it; null when it declares none or cannot be read (the
    /// host then loads it to learn its id, and loading reports what is wrong with the file).
    /// </summary>
    internal static string? TryDeclaredId(string dll)
    {
        try
        {
            using var stream = new FileStream(dll, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return null;
            var md = pe.GetMetadataReader();
            if (!md.IsAssembly) return null;
            foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
            {
                var attribute = md.GetCustomAttribute(handle);
                if (!IsAssemblyMetadata(md, attribute.Constructor)) continue;
                var value = md.GetBlobReader(attribute.Value);
                if (value.ReadUInt16() != 1) continue; // the custom attribute blob's prolog
                if (value.ReadSerializedString() == IdMetadataKey) return value.ReadSerializedString();
            }
            return null;
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAssemblyMetadata(MetadataReader md, EntityHandle constructor)
    {
        if (constructor.Kind != HandleKind.MemberReference) return false;
        var parent = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
        if (parent.Kind != HandleKind.TypeReference) return false;
        var type = md.GetTypeReference((TypeReferenceHandle)parent);
        return md.StringComparer.Equals(type.Name, nameof(AssemblyMetadataAttribute)) && md.StringComparer.Equals(type.Namespace, "System.Reflection");
    }

    /// <summary>Whether a public, concrete class of <paramref name="dll"/> implements <paramref name="contract"/> (an Abstractions interface); false for a file that cannot be read.</summary>
    public static bool Offers(string dll, Type contract) => TryEntryTypes(dll, contract, out _).Count > 0;

    /// <summary><see cref="EntryTypes"/>, or none and the reason when the file cannot be read.</summary>
    private static IReadOnlyList<string> TryEntryTypes(string dll, Type contract, out string? error)
    {
        error = null;
        try
        {
            return EntryTypes(dll, contract);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return [];
        }
    }

    /// <summary>Full names of the public, concrete classes of <paramref name="dll"/> that implement <paramref name="contract"/> (default <see cref="IPluginMeshPlugin"/>); empty for anything that is not a .NET assembly referencing Abstractions.</summary>
    /// <exception cref="BadImageFormatException">The file is not a PE image.</exception>
    internal static IReadOnlyList<string> EntryTypes(string dll, Type? contract = null)
    {
        contract ??= typeof(IPluginMeshPlugin);
        using var stream = new FileStream(dll, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata) return [];
        var md = pe.GetMetadataReader();
        if (!md.IsAssembly || !md.AssemblyReferences.Any(r => md.StringComparer.Equals(md.GetAssemblyReference(r).Name, AbstractionsName))) return [];
        var result = new List<string>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            if ((type.Attributes & (TypeAttributes.Abstract | TypeAttributes.Interface)) != 0 || !IsVisible(md, type)) continue;
            if (Implements(md, handle, contract, 0)) result.Add(FullName(md, type));
        }
        return result;
    }

    private static bool IsVisible(MetadataReader md, TypeDefinition type) => (type.Attributes & TypeAttributes.VisibilityMask) switch
    {
        TypeAttributes.Public => true,
        TypeAttributes.NestedPublic => IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType())),
        _ => false,
    };

    private static bool Implements(MetadataReader md, TypeDefinitionHandle handle, Type contract, int depth)
    {
        // A compiler never emits a chain this long; the bound keeps a crafted file from looping.
        if (depth > MaxBaseDepth) return false;
        var type = md.GetTypeDefinition(handle);
        // The C# compiler lists every interface a class implements, inherited interfaces included.
        foreach (var i in type.GetInterfaceImplementations())
        {
            if (IsContract(md, md.GetInterfaceImplementation(i).Interface, contract)) return true;
        }
        var baseType = type.BaseType;
        if (baseType.Kind == HandleKind.TypeSpecification) baseType = GenericDefinition(md, (TypeSpecificationHandle)baseType);
        return baseType.Kind switch
        {
            HandleKind.TypeDefinition => Implements(md, (TypeDefinitionHandle)baseType, contract, depth + 1),
            HandleKind.TypeReference => AbstractionsType(md, (TypeReferenceHandle)baseType) is { } t && contract.IsAssignableFrom(t),
            _ => false,
        };
    }

    private static bool IsContract(MetadataReader md, EntityHandle handle, Type contract) =>
        handle.Kind == HandleKind.TypeReference && AbstractionsType(md, (TypeReferenceHandle)handle) == contract;

    /// <summary>A type that lives in Abstractions (an interface, a base class) is looked up in the host's own copy of it.</summary>
    private static Type? AbstractionsType(MetadataReader md, TypeReferenceHandle handle)
    {
        var reference = md.GetTypeReference(handle);
        if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference) return null;
        var scope = md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope);
        if (!md.StringComparer.Equals(scope.Name, AbstractionsName)) return null;
        var ns = md.GetString(reference.Namespace);
        return typeof(IPluginMeshPlugin).Assembly.GetType(ns.Length == 0 ? md.GetString(reference.Name) : ns + "." + md.GetString(reference.Name));
    }

    /// <summary><c>Base&lt;T&gt;</c> as a base class is a type specification; its generic definition decides.</summary>
    private static EntityHandle GenericDefinition(MetadataReader md, TypeSpecificationHandle handle)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return default;
        blob.ReadCompressedInteger(); // CLASS or VALUETYPE
        return blob.ReadTypeHandle();
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        var name = md.GetString(type.Name);
        if (type.GetDeclaringType() is { IsNil: false } outer) return FullName(md, md.GetTypeDefinition(outer)) + "+" + name;
        var ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
