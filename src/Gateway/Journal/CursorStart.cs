namespace FarmGateway.Journal;

/// <summary>Where a cursor that has no file yet (a newly configured uplink) starts.</summary>
public enum CursorStart
{
    /// <summary>At the oldest record still on disk: the new uplink gets the whole backlog.</summary>
    Oldest,

    /// <summary>After the last record appended so far: only new readings.</summary>
    Now,
}
