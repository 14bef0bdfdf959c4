using System.Text;

namespace DemoCrm.Contacts;

internal static class ContactCsv
{
    public static string Write(IEnumerable<Contact> contacts)
    {
        var csv = new StringBuilder("id,firstName,lastName,email,birthDate,ssn,city\n");
        foreach (var c in contacts)
        {
            csv.AppendJoin(',', new[] { c.Id, c.FirstName, c.LastName, c.Email, c.BirthDate, c.Ssn, c.Address.City }.Select(Quote)).Append('\n');
        }
        return csv.ToString();
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n']) < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
