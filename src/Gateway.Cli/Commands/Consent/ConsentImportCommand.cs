using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Cli.Errors;
using Microsoft.VisualBasic.FileIO;

namespace Gateway.Cli.Commands.Consent;

/// <summary>
/// <c>gatewayctl consent import FILE</c>: migrates an existing consent register from CSV with the
/// header <c>subject,purpose,status,at,source,expires</c> (at and expires ISO 8601, may be empty).
/// The whole file is checked before anything is sent; it then goes in chunks, each applied all or
/// nothing by the gateway, and a failure says how many rows were already imported.
/// </summary>
internal static class ConsentImportCommand
{
    private const int ChunkRows = 1000;

    /// <summary>The admin API's field names (subject, purpose, status, at, source, expires).</summary>
    private static readonly JsonSerializerOptions ApiJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "CSV: subject,purpose,status,at,source,expires (status: granted or withdrawn)." }.AcceptExistingOnly();
        var api = new ConsentApiClient();
        var command = new Command("import", "Import a consent register from CSV.") { file };
        api.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var (rows, problems) = Read(path.FullName);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync(problem);
                }
                await error.WriteLineAsync($"Nothing imported: {problems.Count} problem(s) in {path.Name}.");
                return ConsentApiClient.Failed;
            }
            using var admin = api.Create(parse);
            var imported = 0;
            foreach (var chunk in rows.Chunk(ChunkRows))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "consent/import") { Content = JsonContent.Create(chunk, options: ApiJson) };
                try
                {
                    using var response = await admin.SendAsync(request, cancellationToken);
                }
                catch (CliFailure failure)
                {
                    throw new CliFailure(
                        $"{failure.WhatFailed}, after {imported} of {rows.Count} rows were imported (rows {imported + 2} to {imported + chunk.Length + 1} of the file were refused)",
                        $"{failure.WhatToDo}, then import the rest", failure.ExitCode, failure);
                }
                imported += chunk.Length;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Imported {imported} rows.");
            return 0;
        });
        return command;
    }

    /// <summary>RFC 4180 fields (quoted, with commas or quotes inside) via the runtime's own TextFieldParser.</summary>
    private static (List<ImportRow> Rows, List<string> Problems) Read(string path)
    {
        var rows = new List<ImportRow>();
        var problems = new List<string>();
        using var csv = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = true };
        csv.SetDelimiters(",");
        try
        {
            if (csv.ReadFields() is not ["subject", "purpose", "status", "at", "source", "expires"])
            {
                problems.Add("line 1: the header must be subject,purpose,status,at,source,expires.");
                return (rows, problems);
            }
            while (!csv.EndOfData)
            {
                var line = csv.LineNumber;
                if (csv.ReadFields() is not [var subject, var purpose, var status, var atText, var source, var expiresText])
                {
                    problems.Add($"line {line}: needs exactly six fields.");
                    continue;
                }
                if (subject.Length == 0 || purpose.Length == 0)
                {
                    problems.Add($"line {line}: subject and purpose are required.");
                }
                if (status is not ("granted" or "withdrawn"))
                {
                    problems.Add($"line {line}: status must be granted or withdrawn.");
                }
                var at = Date(atText, "at", line, problems);
                var expires = Date(expiresText, "expires", line, problems);
                rows.Add(new ImportRow(subject, purpose, status, at, source.Length == 0 ? null : source, expires));
            }
        }
        catch (MalformedLineException ex)
        {
            problems.Add($"line {ex.LineNumber}: not valid CSV.");
        }
        return (rows, problems);
    }

    private static DateTimeOffset? Date(string? text, string column, long line, List<string> problems)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date;
        }
        problems.Add($"line {line}: {column} '{text}' is not an ISO 8601 date.");
        return null;
    }

    private sealed record ImportRow(string Subject, string Purpose, string Status, DateTimeOffset? At, string? Source, DateTimeOffset? Expires);
}
