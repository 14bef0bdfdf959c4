using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DemoCrm.Contacts;

/// <summary>
/// A CRM-like REST API. The list can be asked for gzip-compressed (<c>Accept-Encoding: gzip</c>,
/// or <c>?encoding=gzip</c> to compress whatever the client accepts) and as CSV
/// (<c>Accept: text/csv</c> or <c>?format=csv</c>): the gateway must cope with both.
/// </summary>
internal static class ContactEndpoints
{
    private const int MaxPageSize = 1000;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var contacts = endpoints.MapGroup("/api/contacts");
        contacts.MapGet("/", ListAsync);
        contacts.MapGet("/{id}", (string id, ContactStore store) =>
            store.Find(id) is { } contact ? Results.Ok(contact) : NotFound(id));
        contacts.MapPost("/", (ContactInput input, ContactStore store, TimeProvider time) =>
        {
            if (MissingRequired(input) is { } missing)
            {
                return missing;
            }
            var contact = store.Add(id => Apply(NewContact(id, time.GetUtcNow()), input, time.GetUtcNow()));
            return Results.Created($"/api/contacts/{contact.Id}", contact);
        });
        contacts.MapPut("/{id}", (string id, ContactInput input, ContactStore store, TimeProvider time) =>
            MissingRequired(input)
            ?? (store.Update(id, existing => Apply(NewContact(id, existing.CreatedAt), input, time.GetUtcNow())) is { } replaced ? Results.Ok(replaced) : NotFound(id)));
        contacts.MapPatch("/{id}", (string id, ContactInput input, ContactStore store, TimeProvider time) =>
            store.Update(id, existing => Apply(existing, input, time.GetUtcNow())) is { } updated ? Results.Ok(updated) : NotFound(id));
        contacts.MapDelete("/{id}", (string id, ContactStore store) =>
            store.Remove(id) ? Results.NoContent() : NotFound(id));
    }

    private static IResult? MissingRequired(ContactInput input) =>
        string.IsNullOrWhiteSpace(input.FirstName) || string.IsNullOrWhiteSpace(input.LastName) || string.IsNullOrWhiteSpace(input.Email)
            ? Results.BadRequest(new { error = "firstName, lastName and email are required" })
            : null;

    /// <summary>Every field the input sets; the others stay as they are.</summary>
    private static Contact Apply(Contact contact, ContactInput input, DateTimeOffset now) => contact with
    {
        FirstName = input.FirstName ?? contact.FirstName,
        LastName = input.LastName ?? contact.LastName,
        Email = input.Email ?? contact.Email,
        Notes = input.Notes ?? contact.Notes,
        Phones = input.Phones ?? contact.Phones,
        Address = input.Address ?? contact.Address,
        Ssn = input.Ssn ?? contact.Ssn,
        BirthDate = input.BirthDate ?? contact.BirthDate,
        HsEmailOptout = input.HsEmailOptout ?? contact.HsEmailOptout,
        DoNotSell = input.DoNotSell ?? contact.DoNotSell,
        UpdatedAt = now,
    };

    private static async Task ListAsync(HttpContext context, ContactStore store, IOptions<JsonOptions> json, int? page, int? pageSize, string? format, string? encoding)
    {
        var pageNumber = page ?? 1;
        var size = pageSize ?? 50;
        if (pageNumber < 1 || size is < 1 or > MaxPageSize)
        {
            await Results.BadRequest(new { error = $"page must be >= 1 and pageSize between 1 and {MaxPageSize}" }).ExecuteAsync(context);
            return;
        }
        var (items, total) = store.List(pageNumber, size);
        var asCsv = format == "csv" || context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase);
        var gzip = encoding == "gzip" || context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);

        var response = context.Response;
        response.ContentType = asCsv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        Stream body = response.Body;
        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
            body = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
        }
        await using (body.ConfigureAwait(false))
        {
            if (asCsv)
            {
                await body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(ContactCsv.Write(items)));
                return;
            }
            var next = pageNumber * size < total ? $"/api/contacts?page={pageNumber + 1}&pageSize={size}" : null;
            var envelope = new { data = items, paging = new { page = pageNumber, pageSize = size, total, next } };
            await JsonSerializer.SerializeAsync(body, envelope, json.Value.SerializerOptions);
        }
    }

    private static IResult NotFound(string id) => Results.NotFound(new { error = $"no contact '{id}'" });

    private static Contact NewContact(string id, DateTimeOffset created) => new()
    {
        Id = id,
        FirstName = string.Empty,
        LastName = string.Empty,
        Email = string.Empty,
        Phones = [],
        BirthDate = string.Empty,
        Address = new Address(string.Empty, string.Empty, string.Empty, string.Empty),
        Ssn = string.Empty,
        Notes = string.Empty,
        HsEmailOptout = false,
        DoNotSell = false,
        CreatedAt = created,
        UpdatedAt = created,
    };
}
