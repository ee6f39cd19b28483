/**
 * The V8 settings the server runs with: minor GCs happen on the request path, so they are done on
 * the main thread rather than waiting for helper threads a busy machine does not schedule. V8 reads
 * both flags at each scavenge, so setting them after start takes effect. Benchmarks of the server's
 * queries run in-process call this too, so they measure what the server sees.
 */
import {setFlagsFromString} from 'node:v8'

export function useServerGcFlags(): void {
  // Little in the server's young generation outlives a request, so one thread scavenges it in about
  // 1 ms; V8's parallel scavenge waits for helper threads (on 2 cores at load 3.5 its p90 was 4-11 ms,
  // p99 10-22 ms, against 1.2 and 3-5 ms alone).
  setFlagsFromString('--no-parallel-scavenge')
  // Likewise the sweep of dead young ArrayBuffers (Buffers from hashing, SQLite blobs, socket reads,
  // the radius index's hit arrays): done by a helper thread, the next scavenge waits for it, and on a
  // busy machine that wait was the long tail of minor GCs (sweep up to 6 ms; 1M-camera near loop at
  // load 5-8, 4 interleaved pairs: scavenges over 1.5 ms 18-22 → 9-14 per 75, mean sweep 0.40-0.94 →
  // 0.16-0.33 ms).
  setFlagsFromString('--no-concurrent-array-buffer-sweeping')
}
