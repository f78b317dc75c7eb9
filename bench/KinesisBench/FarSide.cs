namespace FarmGateway.KinesisBench;

/// <summary>
/// Where a phase sends: kinesalite over the loopback (the benchmark), or <see cref="InstantKinesis"/>
/// in this process (--profile: what the client side costs when the far side takes no time).
/// </summary>
/// <param name="Verify">Read the stream back afterwards (kinesalite only).</param>
internal sealed record FarSide(Uri Endpoint, Func<TimedTransport> NewTransport, bool Verify)
{
    public static FarSide Kinesalite(KinesaliteServer kinesalite) => new(kinesalite.Endpoint, TimedTransport.OverSockets, Verify: true);

    public static FarSide Instant() => new(new Uri("http://instant.invalid/"), () => new TimedTransport(new InstantKinesis()), Verify: false);
}
