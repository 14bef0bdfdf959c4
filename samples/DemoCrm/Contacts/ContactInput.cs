namespace DemoCrm.Contacts;

/// <summary>The fields a client may set with POST (all required) or PATCH (any).</summary>
public sealed record ContactInput(string? FirstName, string? LastName, string? Email, string? Notes);
