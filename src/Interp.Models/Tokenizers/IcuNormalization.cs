// Unicode normalization (NFC/NFD/NFKC/NFKD) through the system ICU library (libicuuc), loaded at run time.
// Needed because the runtime runs with InvariantGlobalization, where string.Normalize is a no-op. Not a normalizer itself.
using System.Runtime.InteropServices;

namespace Interp.Models.Tokenizers;

internal static unsafe class IcuNormalization
{
    public enum Form { NFC, NFD, NFKC, NFKD }

    private sealed class Api
    {
        public delegate* unmanaged<void*, char*, int, char*, int, int*, int> Normalize;
        public delegate* unmanaged<void*, char*, int, int*, sbyte> IsNormalized;
        public delegate* unmanaged<void*, int, sbyte> HasBoundaryBefore;
        public readonly void*[] Instances = new void*[4];
    }

    private static readonly Lazy<(Api? Api, string Error)> Loaded = new(Load);

    private static (Api?, string) Load()
    {
        var names = new List<(string Lib, string Suffix)>();
        for (int v = 90; v >= 50; v--) names.Add(($"libicuuc.so.{v}", $"_{v}"));
        for (int v = 90; v >= 50; v--) names.Add(("libicuuc.so", $"_{v}"));
        names.Add(("libicuuc.so", ""));
        foreach (var (lib, suffix) in names)
        {
            if (!NativeLibrary.TryLoad(lib, out var h)) continue;
            if (!NativeLibrary.TryGetExport(h, "unorm2_normalize" + suffix, out var norm)) continue;
            var api = new Api
            {
                Normalize = (delegate* unmanaged<void*, char*, int, char*, int, int*, int>)norm,
                IsNormalized = (delegate* unmanaged<void*, char*, int, int*, sbyte>)NativeLibrary.GetExport(h, "unorm2_isNormalized" + suffix),
                HasBoundaryBefore = (delegate* unmanaged<void*, int, sbyte>)NativeLibrary.GetExport(h, "unorm2_hasBoundaryBefore" + suffix),
            };
            string[] getters = ["unorm2_getNFCInstance", "unorm2_getNFDInstance", "unorm2_getNFKCInstance", "unorm2_getNFKDInstance"];
            for (int f = 0; f < 4; f++)
            {
                var get = (delegate* unmanaged<int*, void*>)NativeLibrary.GetExport(h, getters[f] + suffix);
                int err = 0;
                api.Instances[f] = get(&err);
                if (err > 0 || api.Instances[f] == null) return (null, $"ICU {getters[f]} failed with error code {err}");
            }
            return (api, "");
        }
        return (null, "the ICU library libicuuc was not found");
    }

    /// <summary>Throws a clear NotSupportedException when ICU cannot be loaded.</summary>
    public static void EnsureAvailable(Form form)
    {
        if (Loaded.Value.Api is null)
            throw new NotSupportedException($"the {form} normalizer needs ICU: {Loaded.Value.Error}. Install it (Debian: apt-get install libicu72).");
    }

    private static Api A => Loaded.Value.Api ?? throw new NotSupportedException("ICU is not available: " + Loaded.Value.Error);

    public static bool IsNormalized(string s, Form form)
    {
        if (!s.AsSpan().ContainsAnyExceptInRange('\0', '\u007F')) return true;
        int err = 0;
        sbyte r;
        fixed (char* p = s) r = A.IsNormalized(A.Instances[(int)form], p, s.Length, &err);
        if (err > 0) throw new InvalidOperationException($"ICU unorm2_isNormalized failed with error code {err}.");
        return r != 0;
    }

    /// <summary>True when normalization never combines the char at s[i] with text before it.</summary>
    public static bool HasBoundaryBefore(string s, int i, Form form)
    {
        if (char.IsLowSurrogate(s[i]) && i > 0 && char.IsHighSurrogate(s[i - 1])) return false;
        int cp = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])
            ? char.ConvertToUtf32(s[i], s[i + 1]) : s[i];
        if (cp < 0x80) return true;
        return A.HasBoundaryBefore(A.Instances[(int)form], cp) != 0;
    }

    public static string Normalize(string s, Form form)
    {
        int cap = Math.Max(16, s.Length * 4);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var dst = new char[cap];
            int err = 0, len;
            fixed (char* src = s)
            fixed (char* d = dst)
                len = A.Normalize(A.Instances[(int)form], src, s.Length, d, cap, &err);
            const int BufferOverflow = 15;
            if (err == BufferOverflow) { cap = len + 1; continue; }
            if (err > 0) throw new InvalidOperationException($"ICU unorm2_normalize failed with error code {err}.");
            return new string(dst, 0, len);
        }
        throw new InvalidOperationException("ICU unorm2_normalize kept overflowing its buffer.");
    }

}
