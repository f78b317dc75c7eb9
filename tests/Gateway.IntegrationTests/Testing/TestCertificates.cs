using System.Diagnostics;
using System.Globalization;

namespace FarmGateway.IntegrationTests.Testing;

/// <summary>
/// PEM files made with the openssl command line once per test run (in a temp folder removed at
/// process exit): a test CA with a server certificate (SAN IP:127.0.0.1, DNS:localhost) and a
/// client certificate, and an unrelated second CA with its own client certificate for the
/// "wrong CA" and "wrong client certificate" cases. Keys are EC P-256, unencrypted PKCS#8
/// ("BEGIN PRIVATE KEY"), which <c>X509Certificate2.CreateFromPemFile(cert, key)</c> and
/// mosquitto both load. Signatures SHA-256; valid from one day ago to ten years ahead, so a
/// clock a little behind does not make them "not yet valid".
/// </summary>
public sealed class TestCertificates
{
    /// <summary>The client certificate's subject CN: the MQTT username on the broker's TLS listener (use_identity_as_username).</summary>
    public const string ClientCommonName = "farm-gateway-test-client";

    /// <summary>The other CA's client certificate's subject CN.</summary>
    public const string OtherClientCommonName = "farm-gateway-other-client";

    private static readonly TimeSpan OpensslTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<TestCertificates> SharedInstance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private TestCertificates(string directory)
    {
        Directory = directory;
    }

    /// <summary>The certificates of this test run, made on first use.</summary>
    public static TestCertificates Shared => SharedInstance.Value;

    /// <summary>The folder holding every file below.</summary>
    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.crt");
    public string ServerCertFile => Path.Combine(Directory, "server.crt");
    public string ServerKeyFile => Path.Combine(Directory, "server.key");
    public string ClientCertFile => Path.Combine(Directory, "client.crt");
    public string ClientKeyFile => Path.Combine(Directory, "client.key");
    public string OtherCaFile => Path.Combine(Directory, "other-ca.crt");
    public string OtherClientCertFile => Path.Combine(Directory, "other-client.crt");
    public string OtherClientKeyFile => Path.Combine(Directory, "other-client.key");

    private static TestCertificates Create()
    {
        var directory = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        var certificates = new TestCertificates(directory.Path);
        try
        {
            certificates.Generate();
        }
        catch
        {
            directory.Dispose();
            throw;
        }
        return certificates;
    }

    private void Generate()
    {
        // openssl req/x509 of OpenSSL 3.0 cannot set a start date; "openssl ca" can.
        var now = DateTime.UtcNow;
        var dates = new Dates(now.AddDays(-1), now.AddYears(10));
        File.WriteAllText(Path.Combine(Directory, "ca.cnf"), CaConfig);

        Issue(dates, "ca", "farm-gateway-test-ca", "v3_ca", issuer: null);
        Issue(dates, "server", "localhost", "v3_server", issuer: "ca");
        Issue(dates, "client", ClientCommonName, "v3_client", issuer: "ca");
        Issue(dates, "other-ca", "farm-gateway-other-ca", "v3_ca", issuer: null);
        Issue(dates, "other-client", OtherClientCommonName, "v3_client", issuer: "other-ca");
    }

    /// <summary>Makes name.key and name.crt, signed by issuer (its own CA database) or self-signed.</summary>
    private void Issue(Dates dates, string name, string commonName, string extensions, string? issuer)
    {
        Openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", $"{name}.key");
        Openssl("req", "-new", "-key", $"{name}.key", "-subj", $"/CN={commonName}", "-out", $"{name}.csr");

        var ca = issuer ?? name;
        var database = Path.Combine(Directory, $"{ca}.db");
        System.IO.Directory.CreateDirectory(database);
        if (!File.Exists(Path.Combine(database, "index.txt")))
        {
            File.WriteAllText(Path.Combine(database, "index.txt"), "");
            File.WriteAllText(Path.Combine(database, "serial"), "01\n");
        }
        string[] signer = issuer is null ? ["-selfsign", "-keyfile", $"{name}.key"] : ["-cert", $"{issuer}.crt", "-keyfile", $"{issuer}.key"];
        Openssl([
            "ca", "-batch", "-config", "ca.cnf", "-name", "test_ca", "-notext", "-rand_serial",
            "-startdate", dates.Start, "-enddate", dates.End, "-extensions", extensions,
            "-in", $"{name}.csr", "-out", $"{name}.crt", .. signer,
        ], environment: ("TEST_CA_DIR", database));
    }

    private void Openssl(params string[] arguments) => Openssl(arguments, environment: null);

    private void Openssl(string[] arguments, (string Name, string Value)? environment)
    {
        var info = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is { } variable) info.Environment[variable.Name] = variable.Value;

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("openssl not found: run scripts/setup-test-deps", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(OpensslTimeout))
            {
                process.Kill();
                throw new TimeoutException($"openssl {string.Join(' ', arguments)} did not finish within {OpensslTimeout.TotalSeconds} s");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stdout.Result}{stderr.Result}");
        }
    }

    /// <summary>UTCTime (YYMMDDHHMMSSZ), as "openssl ca -startdate/-enddate" takes it; right until 2050.</summary>
    private sealed record Dates(DateTime StartUtc, DateTime EndUtc)
    {
        public string Start => StartUtc.ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        public string End => EndUtc.ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
    }

    // One config for both CAs: each CA's database (index, serial, copies of what it issued) is the
    // folder in TEST_CA_DIR. Extensions are never copied from requests; every profile is set here.
    private const string CaConfig = """
        [ test_ca ]
        dir = ${ENV::TEST_CA_DIR}
        database = $dir/index.txt
        serial = $dir/serial
        new_certs_dir = $dir
        default_md = sha256
        policy = policy_any
        unique_subject = no
        copy_extensions = none
        email_in_dn = no

        [ policy_any ]
        commonName = supplied

        [ v3_ca ]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always

        [ v3_server ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = IP:127.0.0.1, DNS:localhost
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid

        [ v3_client ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid

        """;
}
