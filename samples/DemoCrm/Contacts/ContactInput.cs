namespace DemoCrm.Contacts;

/// <summary>
/// Every field a contact returns that a client may set: all of them with POST and PUT (first
/// name, last name and email required), any of them with PATCH. The CRM takes them all, as a real
/// one does; who may write which is the gateway's to decide.
/// </summary>
public sealed record ContactInput(
    string? FirstName,
    string? LastName,
    string? Email,
    string? Notes,
    List<Phone>? Phones = null,
    Address? Address = null,
    string? Ssn = null,
    string? BirthDate = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("hs_email_optout")] bool? HsEmailOptout = null,
    bool? DoNotSell = null);
