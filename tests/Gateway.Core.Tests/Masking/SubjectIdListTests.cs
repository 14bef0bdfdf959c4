using System.Text;
using Gateway.Core.Masking;

namespace Gateway.Core.Tests.Masking;

public sealed class SubjectIdListTests
{
    [Fact]
    public void Empty_EnumeratesNothing()
    {
        var list = new SubjectIdList();

        Assert.Empty(list);
        Assert.False(list.Utf8.MoveNext());
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
        foreach (var utf8 in list.Utf8)
        {
            fromUtf8.Add(Encoding.UTF8.GetString(utf8));
        }
        Assert.Equal(ids, fromUtf8);
    }
}
