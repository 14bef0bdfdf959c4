namespace DemoCrm.Contacts;

/// <summary>A synthetic CRM contact. Every value is made up; the shapes mimic a real CRM's.</summary>
public sealed record Contact
{
    public required string Id { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }
    public required List<Phone> Phones { get; init; }
    public required string BirthDate { get; init; }
    public required Address Address { get; init; }
    public required string Ssn { get; init; }
    public required string Notes { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("hs_email_optout")]
    public required bool HsEmailOptout { get; init; }
    public required bool DoNotSell { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

public sealed record Phone(string Type, string Number);

public sealed record Address(string Street, string City, string Postcode, string Country);
