namespace FarmGateway.Readings;

/// <summary>Who produced a record: copied into every record so a fleet can share one stream.</summary>
/// <param name="Id">Gateway id (defaults to the host name).</param>
/// <param name="Site">Farm or site tag; null when not configured (then absent from records).</param>
/// <param name="Location">Barn or room tag; null when not configured.</param>
public sealed record GatewayIdentity(string Id, string? Site, string? Location);
