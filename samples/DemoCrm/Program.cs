using DemoCrm;

// Standalone demo CRM (docker-compose): DemoCrm:Address, DemoCrm:Port, DemoCrm:CertificatePath/KeyPath, DemoCrm:CredentialFile.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
var certificatePath = configuration["DemoCrm:CertificatePath"];
var credentialFile = configuration["DemoCrm:CredentialFile"];
var settings = new DemoCrmSettings
{
    Address = System.Net.IPAddress.Parse(configuration["DemoCrm:Address"] ?? "127.0.0.1"),
    Port = configuration.GetValue("DemoCrm:Port", 9443),
    Certificate = certificatePath is null ? null : System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificatePath, configuration["DemoCrm:KeyPath"]),
    RequiredAuthorization = credentialFile is null ? null : File.ReadAllText(credentialFile).Trim(),
};
await using var server = await DemoCrmServer.StartAsync(settings);
Console.WriteLine($"Demo CRM listening on {server.BaseAddress}");
// The host's console lifetime turns SIGTERM and Ctrl+C into a graceful stop.
await server.WaitForShutdownAsync();
