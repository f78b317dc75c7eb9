using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FarmGateway.IntegrationTests.Testing;

namespace FarmGateway.IntegrationTests.Mqtt;

/// <summary>The MQTT test fixtures themselves: a real mosquitto, its CLI peers, the certificates and the ALPN server.</summary>
public sealed class MosquittoFixtureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PublishAsync_PlainListener_ReachesRunningSubscriber()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/plain/#");

        await broker.PublishAsync("farm/plain/a", "hello");

        var lines = await subscriber.WaitForCountAsync(1, Timeout);
        Assert.Equal(["farm/plain/a hello"], lines);
    }

    [Fact]
    public async Task PublishManyAsync_Lines_AllArriveInOrder()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/many");
        var payloads = Enumerable.Range(1, 500).Select(i => $"m{i}").ToList();

        await broker.PublishManyAsync("farm/many", payloads, qos: 1);

        var lines = await subscriber.WaitForCountAsync(500, Timeout);
        Assert.Equal(payloads.Select(p => $"farm/many {p}"), lines);
    }

    [Fact]
    public async Task SubscribeAsync_RetainedMessage_SeenByLaterSubscriber()
    {
        await using var broker = await Mosquitto.StartAsync();
        await broker.PublishAsync("farm/retained", "kept", retain: true);

        var lines = await broker.SubscribeAsync("farm/retained", 1, Timeout, retainedOnly: true);

        Assert.Equal(["farm/retained kept"], lines);
    }

    [Fact]
    public async Task SubscribeAsync_FewerThanCount_ReturnsWhatArrivedAfterTimeout()
    {
        await using var broker = await Mosquitto.StartAsync();
        await broker.PublishAsync("farm/few", "only", retain: true);

        var lines = await broker.SubscribeAsync("farm/few", 2, TimeSpan.FromSeconds(1));

        Assert.Equal(["farm/few only"], lines);
    }

    [Fact]
    public async Task TlsListener_ClientCertificateOfCa_PublishAndSubscribeAccepted()
    {
        await using var broker = await Mosquitto.StartAsync();
        var certificates = broker.Certificates;
        string[] tls = ["-h", "127.0.0.1", "-p", $"{broker.TlsPort}", "--cafile", certificates.CaFile, "--cert", certificates.ClientCertFile, "--key", certificates.ClientKeyFile];

        var published = await Mosquitto.RunClientAsync("mosquitto_pub", [.. tls, "-t", "farm/tls", "-m", "secure", "-q", "1", "-r"]);
        var received = await Mosquitto.RunClientAsync("mosquitto_sub", [.. tls, "-t", "farm/tls", "-v", "-C", "1", "-W", "10", "--retained-only"]);

        Assert.True(published.ExitCode == 0, $"{published}\n{broker.Diagnostics}");
        Assert.Equal(["farm/tls secure"], received.Lines);
        Assert.Contains($"u'{TestCertificates.ClientCommonName}'", broker.Log);
    }

    [Theory]
    [InlineData("no client certificate")]
    [InlineData("client certificate of another CA")]
    [InlineData("server checked against another CA")]
    public async Task TlsListener_WrongCertificates_Refused(string mistake)
    {
        await using var broker = await Mosquitto.StartAsync();
        var certificates = broker.Certificates;
        string[] tls = mistake switch
        {
            "no client certificate" => ["--cafile", certificates.CaFile],
            "client certificate of another CA" => ["--cafile", certificates.CaFile, "--cert", certificates.OtherClientCertFile, "--key", certificates.OtherClientKeyFile],
            _ => ["--cafile", certificates.OtherCaFile, "--cert", certificates.ClientCertFile, "--key", certificates.ClientKeyFile],
        };
        await using var subscriber = await broker.StartSubscriberAsync("farm/tls");

        var result = await Mosquitto.RunClientAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", $"{broker.TlsPort}", .. tls, "-t", "farm/tls", "-m", "x", "-q", "1"]);

        Assert.NotEqual(0, result.ExitCode);
        await broker.PublishAsync("farm/tls", "marker");
        Assert.Equal(["farm/tls marker"], await subscriber.WaitForCountAsync(1, Timeout));
    }

    [Fact]
    public async Task TlsListener_DotNetClientWithPemCertificate_GetsConnack()
    {
        await using var broker = await Mosquitto.StartAsync();
        var certificates = broker.Certificates;
        using var clientCertificate = X509Certificate2.CreateFromPemFile(certificates.ClientCertFile, certificates.ClientKeyFile);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, broker.TlsPort);
        await using var tls = new SslStream(tcp.GetStream());

        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [clientCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, certificates.CaFile),
        });
        // MQTT 3.1.1 CONNECT, clean session, keep-alive 60 s, client id "dotnet".
        byte[] connect = [0x10, 18, 0, 4, .. "MQTT"u8, 4, 0x02, 0, 60, 0, 6, .. "dotnet"u8];
        await tls.WriteAsync(connect);
        var connack = new byte[4];
        await tls.ReadExactlyAsync(connack).AsTask().WaitAsync(Timeout);

        Assert.Equal([0x20, 2, 0, 0], connack);
    }

    [Fact]
    public async Task PasswordListener_RightPassword_Accepted()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var subscriber = await broker.StartSubscriberAsync("farm/password");

        var result = await Mosquitto.RunClientAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", $"{broker.PasswordPort}", "-u", broker.Username, "-P", broker.Password, "-t", "farm/password", "-m", "in", "-q", "1"]);

        Assert.True(result.ExitCode == 0, $"{result}\n{broker.Diagnostics}");
        Assert.Equal(["farm/password in"], await subscriber.WaitForCountAsync(1, Timeout));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("anonymous")]
    public async Task PasswordListener_WrongCredentials_Refused(string mistake)
    {
        await using var broker = await Mosquitto.StartAsync();
        string[] credentials = mistake == "anonymous" ? [] : ["-u", broker.Username, "-P", broker.Password + "x"];

        var result = await Mosquitto.RunClientAsync("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", $"{broker.PasswordPort}", .. credentials, "-t", "farm/password", "-m", "x", "-q", "1"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not authorised", result.Errors);
    }

    [Fact]
    public async Task KillAsyncThenRestartAsync_PersistentSession_KeepsQueuedQos1Messages()
    {
        await using var broker = await Mosquitto.StartAsync();
        var (plain, tls, password) = (broker.PlainPort, broker.TlsPort, broker.PasswordPort);
        await using (await broker.StartSubscriberAsync("farm/queued", clientId: "persistent-1", cleanSession: false))
        {
        }
        await broker.PublishAsync("farm/queued", "first");
        await broker.PublishAsync("farm/queued", "second");
        await broker.WaitUntilPersistedAsync("first");
        await broker.WaitUntilPersistedAsync("second");

        await broker.KillAsync();
        Assert.False(broker.IsRunning);
        await broker.RestartAsync();

        Assert.Equal((plain, tls, password), (broker.PlainPort, broker.TlsPort, broker.PasswordPort));
        var lines = await broker.SubscribeAsync("farm/queued", 2, Timeout, clientId: "persistent-1", cleanSession: false);
        Assert.Equal(["farm/queued first", "farm/queued second"], lines);
    }

    [Fact]
    public async Task StopAsyncThenRestartAsync_RetainedMessage_Kept()
    {
        await using var broker = await Mosquitto.StartAsync(autosaveAfterChanges: 1000);
        await broker.PublishAsync("farm/retained", "across-restart", retain: true);

        await broker.StopAsync();
        await broker.RestartAsync();

        Assert.Equal(["farm/retained across-restart"], await broker.SubscribeAsync("farm/retained", 1, Timeout, retainedOnly: true));
    }

    [Fact]
    public async Task DisposeAsync_RunningBroker_ProcessGoneAndPortsClosed()
    {
        var broker = await Mosquitto.StartAsync();
        var subscriber = await broker.StartSubscriberAsync("farm/#");
        var directory = Path.GetDirectoryName(broker.ConfigFile)!;

        await broker.DisposeAsync();

        Assert.True(subscriber.HasExited);
        Assert.False(Directory.Exists(directory));
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, broker.PlainPort));
    }

    [Fact]
    public void CreateFromPemFile_ClientCertificate_LoadsWithPrivateKey()
    {
        var certificates = TestCertificates.Shared;

        using var certificate = X509Certificate2.CreateFromPemFile(certificates.ClientCertFile, certificates.ClientKeyFile);

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal($"CN={TestCertificates.ClientCommonName}", certificate.Subject);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(certificates.ClientKeyFile), StringComparison.Ordinal);
        Assert.True(ChainsTo(certificate, certificates.CaFile));
        Assert.False(ChainsTo(certificate, certificates.OtherCaFile));
        Assert.InRange(certificate.NotBefore.ToUniversalTime(), DateTime.UtcNow.AddDays(-2), DateTime.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task AlpnServer_ClientOffersAwsIotProtocol_Negotiated()
    {
        await using var server = await AlpnServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        await using var tls = new SslStream(tcp.GetStream());

        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [new SslApplicationProtocol("h2"), new SslApplicationProtocol(AlpnServer.AwsIotMqttProtocol)],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, server.Certificates.CaFile),
        });

        Assert.Equal(AlpnServer.AwsIotMqttProtocol, tls.NegotiatedApplicationProtocol.ToString());
        await Eventually.True(() => server.Selected.Count == 1, "s_server to report the negotiation", Timeout, () => server.Output);
        Assert.Equal(["h2", AlpnServer.AwsIotMqttProtocol], server.AdvertisedByClients.Single());
        Assert.Equal([AlpnServer.AwsIotMqttProtocol], server.Selected);
    }

    [Fact]
    public async Task AlpnServer_ClientOffersOtherProtocolOnly_HandshakeFails()
    {
        await using var server = await AlpnServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        await using var tls = new SslStream(tcp.GetStream());

        await Assert.ThrowsAsync<AuthenticationException>(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [new SslApplicationProtocol("mqtt")],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }));
    }

    private static bool ChainsTo(X509Certificate? certificate, string caFile)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(caFile));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
