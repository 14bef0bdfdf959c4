using System.Globalization;

namespace DemoCrm.Contacts;

/// <summary>Deterministic synthetic people: the same seed always gives the same CRM.</summary>
public static class ContactGenerator
{
    private static readonly string[] FirstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim", "Margaret", "Linus", "Hedy", "John", "Katherine", "Niklaus"];
    private static readonly string[] LastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Berners-Lee", "Hamilton", "Torvalds", "Lamarr", "Backus", "Johnson", "Wirth"];
    private static readonly string[] Streets = ["Analytical Way", "Compiler Lane", "Lambda Street", "Heap Road", "Stack Avenue", "Kernel Close"];
    private static readonly (string City, string Country)[] Cities = [("Springfield", "US"), ("Riverton", "US"), ("Lakeside", "GB"), ("Hillcrest", "DE"), ("Maplewood", "FR")];
    private static readonly string[] NoteTemplates =
    [
        "Customer called about invoice; paid with card {card}. Prefers email {email}.",
        "Asked to be called back on {phone}. Card on file {card}.",
        "VIP account. SSN on the signed contract is {ssn}.",
        "Met at the trade fair, interested in the premium plan.",
        "Refund requested to IBAN {iban} after double charge.",
    ];
    private static readonly string[] TestCards = ["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009", "6011000000000004"];
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static List<Contact> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var contacts = new List<Contact>(count);
        for (var i = 1; i <= count; i++)
        {
            contacts.Add(Create(i, random));
        }
        return contacts;
    }

    private static Contact Create(int number, Random random)
    {
        var first = Pick(random, FirstNames);
        var last = Pick(random, LastNames);
        var email = $"{first}.{last}{number}@example.com".ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
        var mobile = $"+1-555-{random.Next(100, 999)}-{random.Next(1000, 9999)}";
        var ssn = $"{random.Next(100, 665):000}-{random.Next(10, 99):00}-{random.Next(1000, 9999):0000}";
        var (city, country) = Pick(random, Cities);
        var notes = Pick(random, NoteTemplates)
            .Replace("{card}", Pick(random, TestCards), StringComparison.Ordinal)
            .Replace("{email}", email, StringComparison.Ordinal)
            .Replace("{phone}", mobile, StringComparison.Ordinal)
            .Replace("{ssn}", ssn, StringComparison.Ordinal)
            .Replace("{iban}", "GB82 WEST 1234 5698 7654 32", StringComparison.Ordinal);
        var created = Epoch.AddHours(random.Next(0, 24 * 365));
        return new Contact
        {
            Id = $"c-{number:00000}",
            FirstName = first,
            LastName = last,
            Email = email,
            Phones = [new Phone("mobile", mobile), new Phone("work", $"+1-555-{random.Next(100, 999)}-{random.Next(1000, 9999)}")],
            BirthDate = new DateOnly(random.Next(1940, 2005), random.Next(1, 13), random.Next(1, 29)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Address = new Address($"{random.Next(1, 300)} {Pick(random, Streets)}", city, $"{random.Next(10000, 99999)}", country),
            Ssn = ssn,
            Notes = notes,
            HsEmailOptout = random.Next(0, 5) == 0,
            DoNotSell = random.Next(0, 4) == 0,
            CreatedAt = created,
            UpdatedAt = created.AddDays(random.Next(0, 90)),
        };
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
