using FarmGateway.Mqtt.Packets;

namespace FarmGateway.Mqtt.Client;

/// <summary>
/// QoS 1 messages from publish until PUBACK, and the packet ids of the client's session.
/// Invariants: messages are admitted to the in-flight window in the order they were published
/// and (re)sent in that order; at most <c>maxInFlight</c> are in flight; a message keeps its
/// packet id until its PUBACK, across reconnects; an id is never used twice at once. No I/O
/// here: the connection's sender writes what <see cref="TakeUnsent"/> hands out.
/// </summary>
internal sealed class MqttOutbox(int maxInFlight)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<MqttOutboxEntry> _waiting = new();
    private readonly List<MqttOutboxEntry> _inFlight = [];
    private readonly HashSet<ushort> _usedIds = [];
    private ushort _lastId;

    public int InFlight
    {
        get { lock (_gate) return _inFlight.Count; }
    }

    public int Unacknowledged
    {
        get { lock (_gate) return _inFlight.Count + _waiting.Count; }
    }

    public MqttOutboxEntry Add(string topic, ReadOnlyMemory<byte> payload, bool retain)
    {
        var entry = new MqttOutboxEntry(topic, payload, retain);
        lock (_gate)
        {
            entry.Node = _waiting.AddLast(entry);
            Admit();
        }
        return entry;
    }

    /// <summary>Takes a message out that is still waiting for a slot (never sent); false once it is in flight.</summary>
    public bool TryRemoveWaiting(MqttOutboxEntry entry)
    {
        lock (_gate)
        {
            if (entry.Node?.List != _waiting) return false;
            _waiting.Remove(entry.Node);
            entry.Node = null;
            return true;
        }
    }

    /// <summary>
    /// In-flight messages not yet written on connection <paramref name="generation"/>, in order,
    /// marked as written on it. A message written on an earlier connection goes out with DUP set.
    /// </summary>
    public List<(MqttOutboxEntry Entry, bool Dup)> TakeUnsent(int generation)
    {
        lock (_gate)
        {
            var batch = new List<(MqttOutboxEntry, bool)>();
            foreach (var entry in _inFlight)
            {
                if (entry.SentOnGeneration == generation) continue;
                batch.Add((entry, entry.SentOnGeneration != 0));
                entry.SentOnGeneration = generation;
            }
            return batch;
        }
    }

    /// <summary>The message a PUBACK acknowledges, completed; null for an id nothing waits for.</summary>
    public MqttOutboxEntry? Acknowledge(ushort packetId)
    {
        MqttOutboxEntry? entry;
        lock (_gate)
        {
            entry = _inFlight.Find(e => e.PacketId == packetId);
            if (entry is null) return null;
            _inFlight.Remove(entry);
            _usedIds.Remove(packetId);
            Admit();
        }
        entry.Completion.TrySetResult(new MqttPublishResult(MqttPublishStatus.Acknowledged));
        return entry;
    }

    /// <summary>A packet id for SUBSCRIBE/UNSUBSCRIBE, or null when all 65,535 are in use.</summary>
    public ushort? ReserveId()
    {
        lock (_gate) return NextId();
    }

    public void ReleaseId(ushort packetId)
    {
        lock (_gate) _usedIds.Remove(packetId);
    }

    /// <summary>Completes every message with <paramref name="result"/> and empties the outbox.</summary>
    public void CompleteAll(MqttPublishResult result)
    {
        List<MqttOutboxEntry> all;
        lock (_gate)
        {
            all = [.. _inFlight, .. _waiting];
            _inFlight.Clear();
            _waiting.Clear();
            _usedIds.Clear();
        }
        foreach (var entry in all) entry.Completion.TrySetResult(result);
    }

    private void Admit()
    {
        while (_inFlight.Count < maxInFlight && _waiting.First is { } node)
        {
            if (NextId() is not { } id) return;
            _waiting.RemoveFirst();
            node.Value.Node = null;
            node.Value.PacketId = id;
            _inFlight.Add(node.Value);
        }
    }

    private ushort? NextId()
    {
        for (var tries = 0; tries < ushort.MaxValue; tries++)
        {
            _lastId = _lastId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastId + 1);
            if (_usedIds.Add(_lastId)) return _lastId;
        }
        return null;
    }
}

internal sealed class MqttOutboxEntry(string topic, ReadOnlyMemory<byte> payload, bool retain)
{
    public string Topic { get; } = topic;
    public ReadOnlyMemory<byte> Payload { get; } = payload;
    public bool Retain { get; } = retain;
    public ushort PacketId { get; set; }

    /// <summary>The connection it was last written on; 0 = never written.</summary>
    public int SentOnGeneration { get; set; }

    public LinkedListNode<MqttOutboxEntry>? Node { get; set; }

    public TaskCompletionSource<MqttPublishResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Encode(bool dup) => MqttPacketEncoder.Publish(Topic, Payload.Span, MqttQos.AtLeastOnce, Retain, dup, PacketId);
}
