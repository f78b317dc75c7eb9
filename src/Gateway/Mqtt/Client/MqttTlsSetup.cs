using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// TLS settings for one connection attempt. Files are read on every attempt, so fixing a
/// certificate on disk needs no restart. Validation keeps the reason it refused a server, so
/// the log says "server certificate not trusted: ..." instead of a bare handshake failure.
/// </summary>
internal sealed class MqttTlsSetup : IDisposable
{
    private readonly string _host;
    private readonly X509Certificate2Collection? _ca;
    private readonly X509Certificate2? _clientCertificate;

    private MqttTlsSetup(string host, X509Certificate2Collection? ca, X509Certificate2? clientCertificate)
    {
        _host = host;
        _ca = ca;
        _clientCertificate = clientCertificate;
    }

    /// <summary>Why the server's certificate was refused, once validation ran and refused it.</summary>
    public string? ValidationProblem { get; private set; }

    public bool HasClientCertificate => _clientCertificate is not null;

    public static MqttTlsSetup Load(MqttClientOptions options)
    {
        X509Certificate2Collection? ca = null;
        X509Certificate2? client = null;
        try
        {
            if (options.CaFile is not null)
            {
                try
                {
                    // A CA file may be a bundle (several PEM certificates): all of them are trusted.
                    ca = [];
                    ca.ImportFromPemFile(options.CaFile);
                    if (ca.Count == 0) throw new CryptographicException("no PEM certificate in it");
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    throw new MqttConnectionException($"CA file {options.CaFile} cannot be read as a certificate: {e.Message}", e);
                }
            }
            if (options.ClientCertificateFile is not null && options.PrivateKeyFile is not null)
            {
                try
                {
                    using var pem = X509Certificate2.CreateFromPemFile(options.ClientCertificateFile, options.PrivateKeyFile);
                    // An ephemeral PEM key is not usable by every TLS backend; a PKCS#12 round trip gives a persisted one.
                    client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
                {
                    throw new MqttConnectionException(
                        $"client certificate {options.ClientCertificateFile} with key {options.PrivateKeyFile} cannot be loaded: {e.Message}", e);
                }
            }
            return new MqttTlsSetup(options.Host, ca, client);
        }
        catch
        {
            foreach (var certificate in ca ?? []) certificate.Dispose();
            client?.Dispose();
            throw;
        }
    }

    public SslClientAuthenticationOptions CreateOptions(string? alpn) => new()
    {
        TargetHost = _host,
        RemoteCertificateValidationCallback = Validate,
        ApplicationProtocols = alpn is null ? null : [new SslApplicationProtocol(alpn)],
        // A context (not ClientCertificates) so the certificate is sent even when the server's
        // list of acceptable CAs does not name its issuer.
        ClientCertificateContext = _clientCertificate is null ? null : SslStreamCertificateContext.Create(_clientCertificate, null, offline: true),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        ValidationProblem = Check(certificate, chain, errors);
        return ValidationProblem is null;
    }

    private string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return "server sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return $"server certificate does not match host name '{_host}' (subject: {certificate.Subject})";
        if (_ca is null)
        {
            return (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0
                ? $"server certificate not trusted: {Describe(chain)} (subject: {certificate.Subject}, issuer: {certificate.Issuer})"
                : null;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_ca);
        custom.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth: a client-only certificate cannot act as the broker
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        X509Certificate2? owned = null;
        try
        {
            var leaf = certificate as X509Certificate2 ?? (owned = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            return custom.Build(leaf)
                ? null
                : $"server certificate not trusted: {Describe(custom)} (subject: {certificate.Subject}, issuer: {certificate.Issuer}, expected CA: {string.Join(" or ", _ca.Select(c => c.Subject))})";
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static string Describe(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).ToList() ?? [];
        if (statuses.Count == 0) return "chain does not verify";
        var text = string.Join("; ", statuses.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}").Distinct());
        return statuses.Any(s => s.Status == X509ChainStatusFlags.NotTimeValid) ? text + " (check the clock: is NTP synced?)" : text;
    }

    public void Dispose()
    {
        foreach (var certificate in _ca ?? []) certificate.Dispose();
        _clientCertificate?.Dispose();
    }
}
