using Gateway.Identity;

namespace Gateway.Tests.Identity;

public sealed class ConnectionTokenMemoTests
{
    private const string Header = "Bearer aaa.bbb.ccc";

    [Fact]
    public void Recall_TheRememberedSliceOfTheSameString_GivesItsEntry()
    {
        var memo = new ConnectionTokenMemo();
        var entry = Entry();

        memo.Remember(Header.AsMemory(7), entry);

        Assert.Same(entry, memo.Recall(Header.AsMemory(7)));
    }

    [Fact]
    public void Recall_EqualTextInAnotherString_IsNotRecognised()
    {
        var memo = new ConnectionTokenMemo();
        memo.Remember(Header.AsMemory(7), Entry());

        var sameText = new string(Header.AsSpan());

        Assert.Null(memo.Recall(sameText.AsMemory(7)));
    }

    [Fact]
    public void Recall_AnotherSliceOfTheSameString_IsNotRecognised()
    {
        var memo = new ConnectionTokenMemo();
        memo.Remember(Header.AsMemory(7), Entry());

        Assert.Null(memo.Recall(Header.AsMemory(8)));
        Assert.Null(memo.Recall(Header.AsMemory(7, 5)));
    }

    [Fact]
    public void Remember_AnotherToken_ReplacesTheOneBefore()
    {
        var memo = new ConnectionTokenMemo();
        const string other = "Bearer ddd.eee.fff";
        var second = Entry();
        memo.Remember(Header.AsMemory(7), Entry());

        memo.Remember(other.AsMemory(7), second);

        Assert.Null(memo.Recall(Header.AsMemory(7)));
        Assert.Same(second, memo.Recall(other.AsMemory(7)));
    }

    [Fact]
    public void Recall_TokenNotBackedByAString_IsNotRecognised()
    {
        var memo = new ConnectionTokenMemo();
        var characters = "aaa.bbb.ccc".ToCharArray();
        memo.Remember(characters.AsMemory(), Entry());

        Assert.Null(memo.Recall(characters.AsMemory()));
    }

    private static CachedToken Entry() =>
        new(new GatewayIdentity("idp", "user", null, null, new HashSet<string> { "r" }, false, DateTimeOffset.UtcNow.AddMinutes(5)), null!, null);
}
