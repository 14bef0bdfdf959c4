using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DemoCrm;

namespace Gateway.IntegrationTests.Demo;

/// <summary>The demo CRM is the upstream of the demo and of later end-to-end tests: its contract is tested here.</summary>
public sealed class DemoCrmTests : IAsyncLifetime
{
    private const string Credential = "Bearer demo-crm-test";
    private DemoCrmServer _crm = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _crm = await DemoCrmServer.StartAsync(new DemoCrmSettings { RequiredAuthorization = Credential, ContactCount = 30 });
        _client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = _crm.BaseAddress };
        _client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Credential);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _crm.DisposeAsync();
    }

    [Fact]
    public async Task List_Paged_ReturnsDataAndPaging()
    {
        using var body = JsonDocument.Parse(await _client.GetStringAsync("/api/contacts?page=2&pageSize=10"));

        var data = body.RootElement.GetProperty("data");
        Assert.Equal(10, data.GetArrayLength());
        Assert.Equal("c-00011", data[0].GetProperty("id").GetString());
        var paging = body.RootElement.GetProperty("paging");
        Assert.Equal(30, paging.GetProperty("total").GetInt32());
        Assert.Equal("/api/contacts?page=3&pageSize=10", paging.GetProperty("next").GetString());
    }

    [Fact]
    public async Task Contact_HasEveryKindOfPersonalData()
    {
        using var body = JsonDocument.Parse(await _client.GetStringAsync("/api/contacts/c-00001"));
        var contact = body.RootElement;

        foreach (var property in new[] { "firstName", "lastName", "email", "phones", "birthDate", "address", "ssn", "notes", "hs_email_optout", "doNotSell" })
        {
            Assert.True(contact.TryGetProperty(property, out _), $"missing {property}");
        }
        var allNotes = JsonDocument.Parse(await _client.GetStringAsync("/api/contacts?pageSize=30")).RootElement.GetProperty("data")
            .EnumerateArray().Select(c => c.GetProperty("notes").GetString()).ToList();
        Assert.Contains(allNotes, note => note!.Contains("card", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_GzipAsked_IsCompressed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/contacts?pageSize=5");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await _client.SendAsync(request);

        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        await using var unzipped = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var body = await JsonDocument.ParseAsync(unzipped);
        Assert.Equal(5, body.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task List_EncodingGzipParameter_CompressesEvenWithoutAcceptEncoding()
    {
        using var response = await _client.GetAsync("/api/contacts?pageSize=5&encoding=gzip");

        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
    }

    [Fact]
    public async Task List_CsvAsked_IsCsv()
    {
        using var response = await _client.GetAsync("/api/contacts?pageSize=3&format=csv");

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Trim().Split('\n');
        Assert.Equal("id,firstName,lastName,email,birthDate,ssn,city", lines[0]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task PostThenPatch_CreatesAndUpdatesAContact()
    {
        var created = await _client.PostAsJsonAsync("/api/contacts", new { firstName = "Ada", lastName = "Lovelace", email = "ada@example.com" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var patched = await _client.PatchAsJsonAsync($"/api/contacts/{id}", new { email = "ada@analytical.example" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        using var body = JsonDocument.Parse(await _client.GetStringAsync($"/api/contacts/{id}"));
        Assert.Equal("ada@analytical.example", body.RootElement.GetProperty("email").GetString());
        Assert.Equal("Lovelace", body.RootElement.GetProperty("lastName").GetString());
    }

    [Fact]
    public async Task Writes_AcceptEveryFieldAContactReturns_AndDeleteRemovesIt()
    {
        var patched = await _client.PatchAsJsonAsync("/api/contacts/c-00002", new
        {
            phones = new[] { new { type = "mobile", number = "+1-555-0100" } },
            address = new { street = "1 Main St", city = "Lakeside", postcode = "83271", country = "GB" },
            ssn = "000-00-0000",
            birthDate = "1990-01-01",
            hs_email_optout = true,
            doNotSell = true,
        });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var contact = (await _client.GetFromJsonAsync<JsonElement>("/api/contacts/c-00002"));
        Assert.Equal("+1-555-0100", contact.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal("Lakeside", contact.GetProperty("address").GetProperty("city").GetString());
        Assert.Equal("000-00-0000", contact.GetProperty("ssn").GetString());
        Assert.Equal("1990-01-01", contact.GetProperty("birthDate").GetString());
        Assert.True(contact.GetProperty("hs_email_optout").GetBoolean());
        Assert.True(contact.GetProperty("doNotSell").GetBoolean());

        var replaced = await _client.PutAsJsonAsync("/api/contacts/c-00002", new { firstName = "Ada", lastName = "Lovelace", email = "ada@example.com" });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("", (await _client.GetFromJsonAsync<JsonElement>("/api/contacts/c-00002")).GetProperty("ssn").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/contacts/c-00002")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/contacts/c-00002")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/api/contacts/c-00002")).StatusCode);
    }

    [Fact]
    public async Task Post_MissingRequiredField_Returns400()
    {
        var response = await _client.PostAsJsonAsync("/api/contacts", new { firstName = "Ada" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Get_UnknownId_Returns404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/contacts/c-99999")).StatusCode);
    }

    [Fact]
    public async Task Request_WithoutCredential_Returns401()
    {
        using var anonymous = new HttpClient { BaseAddress = _crm.BaseAddress };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/contacts")).StatusCode);
    }
}
