using System.Text;

namespace Gateway.Masking.Tests;

public sealed class SubjectIdListTests
{
    [Fact]
    public void Empty_EnumeratesNothing()
    {
        var list = new SubjectIdList();

        Assert.Empty(list);
        Assert.False(list.Entries.MoveNext());
    }

    [Fact]
    public void ManyIds_AcrossChunks_ComeBackInOrder_AsStringsAndAsUtf8()
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => i % 7 == 0 ? $"subject-é-{i}" : $"c-{i:00000}").ToList();
        ids.Insert(5_000, "");
        ids.Insert(9_000, new string('x', 40_000));
        var list = new SubjectIdList();
        foreach (var id in ids)
        {
            list.Add(Encoding.UTF8.GetBytes(id));
        }

        Assert.Equal(ids.Count, list.Count);
        Assert.Equal(ids, list);
        var fromUtf8 = new List<string>();
        foreach (var utf8 in list.Entries)
        {
            fromUtf8.Add(Encoding.UTF8.GetString(utf8));
        }
        Assert.Equal(ids, fromUtf8);
    }

    [Fact]
    public void KeyedHashes_ComeBackInOrder_AsBytesAndAsHex()
    {
        var hashes = Enumerable.Range(0, 3_000).Select(i => new SubjectHash(((UInt128)(ulong)i << 64) | (ulong)(i * 7919))).ToList();
        var list = new SubjectIdList();
        foreach (var hash in hashes)
        {
            list.Add(hash);
        }

        Assert.True(list.Keyed);
        Assert.Equal(hashes.Select(h => h.ToString()), list);
        var fromBytes = new List<SubjectHash>();
        foreach (var bytes in list.Entries)
        {
            fromBytes.Add(SubjectHash.FromBytes(bytes));
        }
        Assert.Equal(hashes, fromBytes);
    }

    [Fact]
    public void AReleasedList_RefusesToBeReadOrAddedTo()
    {
        var list = new SubjectIdList();
        foreach (var hash in Hashes(2_000, seed: 1))
        {
            list.Add(hash);
        }

        list.Release();

        Assert.Throws<ObjectDisposedException>(() => list.Entries);
        Assert.Throws<ObjectDisposedException>(() => list.ToList());
        Assert.Throws<ObjectDisposedException>(() => list.Add(new SubjectHash(1)));
    }

    [Fact]
    public void ListsMadeFromReleasedChunks_HoldOnlyTheirOwnEntries()
    {
        // Released lists' pooled chunks go to the lists made next, here shorter ones, whose
        // reading must stop at what they wrote.
        for (var round = 0; round < 4; round++)
        {
            var longer = new SubjectIdList();
            Hashes(5_000, seed: round).ForEach(longer.Add);
            longer.Release();
            var ids = Enumerable.Range(0, 1_000 + round).Select(i => $"r{round}-{i}").ToList();
            var shorter = new SubjectIdList();
            ids.ForEach(shorter.Add);

            Assert.Equal(ids, shorter);
            shorter.Release();
        }
    }

    private static List<SubjectHash> Hashes(int count, int seed) =>
        [.. Enumerable.Range(0, count).Select(i => new SubjectHash(((UInt128)(ulong)(i + seed) << 64) | (ulong)(i * 7919)))];

    [Fact]
    public void IdsAndKeyedHashes_DoNotMix()
    {
        var ids = new SubjectIdList();
        ids.Add("c-1"u8);
        var keyed = new SubjectIdList();
        keyed.Add(new SubjectHash(1));

        Assert.Throws<InvalidOperationException>(() => ids.Add(new SubjectHash(1)));
        Assert.Throws<InvalidOperationException>(() => keyed.Add("c-1"u8));
    }
}
