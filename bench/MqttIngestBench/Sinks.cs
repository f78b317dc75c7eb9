using System.Diagnostics;

namespace FarmGateway.MqttIngestBench;

/// <summary>Where the messages end up, counted as they arrive: mosquitto_sub's standard output, or the gateway's outbox.</summary>
internal abstract class Sink
{
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource<long> Reached)> _waiters = [];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// Completes with the <see cref="Stopwatch"/> timestamp at which <see cref="Count"/> first
    /// reached <paramref name="target"/>; fails if the count has not moved for <paramref name="stall"/>.
    /// </summary>
    public async Task<long> ReachedAsync(long target, TimeSpan stall, Func<string> diagnostics)
    {
        var reached = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Count >= target) return Stopwatch.GetTimestamp();
            _waiters.Add((target, reached));
        }
        var last = Count;
        var lastMoved = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await Task.WhenAny(reached.Task, Task.Delay(500)) == reached.Task) return await reached.Task;
            var now = Count;
            if (now != last) (last, lastMoved) = (now, Stopwatch.GetTimestamp());
            else if (Stopwatch.GetElapsedTime(lastMoved) > stall)
                throw new TimeoutException($"{Describe} stuck at {now:N0} of {target:N0} for {stall.TotalSeconds:F0} s\n{diagnostics()}");
        }
    }

    public abstract string Describe { get; }

    /// <summary>Sets the count (the sink's own thread) and releases the waiters it satisfies, with the time it was seen.</summary>
    protected void Update(long count)
    {
        var at = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _count, count);
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target > count) continue;
                _waiters[i].Reached.TrySetResult(at);
                _waiters.RemoveAt(i);
            }
        }
    }
}

/// <summary>
/// Lines on mosquitto_sub's standard output (one per message, payload only). mosquitto_sub
/// flushes after every message; the pipe is read in blocks and the newlines counted, so the
/// time a count is reached is when the last of those messages was printed (plus the pipe).
/// </summary>
internal sealed class StdoutLineSink : Sink
{
    public override string Describe => "mosquitto_sub";

    public async Task ReadAsync(Stream output)
    {
        var buffer = new byte[64 * 1024];
        long lines = 0;
        try
        {
            while (await output.ReadAsync(buffer) is var read and > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                Update(lines);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process ended.
        }
    }
}

/// <summary>
/// Complete NDJSON lines in the gateway's outbox folder, polled every 5 ms reading only what each
/// file gained since the last poll. The file uplink reads only durable journal records and
/// fsyncs each batch before it counts as sent, so a line here is a reading that was durable in
/// the journal (and is now durable in the outbox too). A poll that finds a file renamed under
/// it (an outbox file completed) is not trusted; the next one is.
/// </summary>
internal sealed class OutboxSink(string directory) : Sink, IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(5);

    private readonly Dictionary<string, (long Offset, long Lines)> _files = new(StringComparer.Ordinal);
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;

    public override string Describe => $"outbox {directory}";

    public void Start()
    {
        _thread = new Thread(Poll) { IsBackground = true, Name = "outbox poll" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join();
        _stop.Dispose();
    }

    private void Poll()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (PollOnce() is { } lines) Update(lines);
            _stop.Token.WaitHandle.WaitOne(Period);
        }
    }

    private long? PollOnce()
    {
        if (!Directory.Exists(directory)) return 0;
        var seen = new HashSet<string>(Directory.GetFiles(directory), StringComparer.Ordinal);
        foreach (var gone in _files.Keys.Where(f => !seen.Contains(f)).ToList()) _files.Remove(gone);
        var trusted = true;
        foreach (var file in seen)
        {
            var (offset, lines) = _files.GetValueOrDefault(file);
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                stream.Position = offset;
                int read;
                while ((read = stream.Read(_buffer)) > 0)
                {
                    lines += _buffer.AsSpan(0, read).Count((byte)'\n');
                    offset += read;
                }
                _files[file] = (offset, lines);
            }
            catch (Exception e) when (e is FileNotFoundException or IOException)
            {
                _files.Remove(file);
                trusted = false;
            }
        }
        return trusted ? _files.Values.Sum(f => f.Lines) : null;
    }
}
