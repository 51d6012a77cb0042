#!/usr/bin/env python3
"""Where each held connection's heap goes, from two heaptrack recordings of
the server holding different numbers of connections (killed while held, so
that what was still allocated is what the connections hold).

    scripts/heap-breakdown.py MORE.zst FEWER.zst CONNECTIONS_APART [--other]

Prints bytes per connection by category: the bytes still allocated in MORE
less those in FEWER, over CONNECTIONS_APART. heaptrack counts the bytes
asked for, not the allocator's own overhead (resident memory per connection
is some 0.5 KiB more). Needs heaptrack_print and c++filt.
"""
import collections
import re
import subprocess
import sys

# In order: the first whose pattern occurs anywhere in an allocation's
# (demangled) stack names it.
CATEGORIES = [
    ('engine: outgoing channel, first block of 32 slots', r'channel_from_index<(alloc::boxed::Box<)?smallvec::SmallVec<\[engineioxide_core::packet::Packet'),
    ('engine: outgoing channel, shared state', r'new<tokio::sync::mpsc::chan::Chan<(alloc::boxed::Box<)?smallvec::SmallVec<\[engineioxide_core'),
    ('engine: heartbeat channel', r'mpsc::chan::Chan<\(\)|channel<\(\)|channel_from_index<\(\)'),
    ('engine: volatile channel (watch)', r'watch::Shared<core::option::Option<smallvec'),
    ('task: WebSocket reader', r'Cell<(tracing::instrument::Instrumented<)?engineioxide::transport::ws::new_req'),
    ('task: WebSocket writer', r'Cell<engineioxide::transport::ws::forward_to_socket'),
    ('task: heartbeat', r'Cell<futures_util::future::future::Inspect<tokio_util|internal_interval_at'),
    ('tungstenite: read buffer', r'FrameCodec>::new|from_raw_socket.*\| (bytes::bytes_mut::BytesMut::)?with_capacity'),
    ('tungstenite: write buffer (largest message sent)', r'buffer_frame'),
    ('WebSocket stream (split lock, waker proxies)', r'WakerProxy|BiLock|StreamExt::split|\bsplit<'),
    ('engine: Socket (request head inline, cancellation token)', r'create_session'),
    ('request head kept: headers, URI, extensions', r'detach_from_read_buffer|OnUpgrade|prepare_upgrade|upgrade::pending|core::any::TypeId|Extensions>::insert|insert<axum::extract::connect_info'),
    ('Socket.IO: rooms (adapter maps, room names)', r'add_all|CoreLocalAdapter|socketioxide::socket::Socket<[^|]*>::join|audience::'),
    ('duet: store (rooms, seats, peer and room ids)', r'duet::store|PeerId|RoomId|duet::signalling::rooms'),
    ('duet: session (Session, Sequencer, connection id, handlers)', r'duet::signalling::prepare|Sequencer|duet::signalling::session|ConnId'),
    ('Socket.IO: socket, its handlers, socket maps', r'socketioxide::'),
    ('TCP: tokio registration, hyper upgraded stream', r'ScheduledIo|add_source|UpgradeableConnection'),
]
CATEGORIES = [(name, re.compile(pattern)) for name, pattern in CATEGORIES]


def stacks(recording):
    """(frames, bytes still allocated) per stack, from heaptrack_print."""
    text = subprocess.run(
        ['heaptrack_print', '-f', recording, '-t', '0', '--flamegraph-cost-type', 'leaked', '-F', '/dev/stdout'],
        capture_output=True, text=True, check=True,
    ).stdout
    result = []
    for line in text.splitlines():
        stack, _, cost = line.rpartition(' ')
        if not cost.isdigit():
            continue
        result.append(([f.rsplit(' (', 1)[0] for f in stack.rstrip(';').split(';')], int(cost)))
    return result


def demangler(frames):
    frames = sorted(frames)
    out = subprocess.run(['c++filt'], input='\n'.join(frames), capture_output=True, text=True, check=True).stdout
    return {f: re.sub(r'\[[0-9a-f]{16}\]', '', d) for f, d in zip(frames, out.split('\n'))}


def main():
    args = [a for a in sys.argv[1:] if a != '--other']
    if len(args) != 3:
        sys.exit(__doc__)
    more, fewer, apart = stacks(args[0]), stacks(args[1]), int(args[2])
    names = demangler({f for frames, _ in more + fewer for f in frames})
    totals, other = collections.Counter(), collections.Counter()
    for sign, recording in ((1, more), (-1, fewer)):
        for frames, cost in recording:
            full = ' | '.join(names.get(f, f) for f in frames)
            name = next((n for n, p in CATEGORIES if p.search(full)), 'other')
            totals[name] += sign * cost
            if name == 'other':
                other[' | '.join(names.get(f, f)[:80] for f in frames[-6:])] += sign * cost
    for name, cost in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f'{cost / apart:8.0f}  {name}')
    print(f'{sum(totals.values()) / apart:8.0f}  total')
    if '--other' in sys.argv:
        for stack, cost in other.most_common(10):
            print(f'  other {cost / apart:6.0f}  {stack}')


if __name__ == '__main__':
    main()
