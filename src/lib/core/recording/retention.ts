/**
 * Retention of one camera's sealed segments: the oldest go first, when older than the camera's
 * retention, when the camera's segments pass its disk budget, or when the disk holding them runs low
 * (under MIN_FREE_BYTES or twice the largest segment free), so recording never fills the disk. Chain
 * entries stay: they prove what was recorded and when it was deleted.
 */
import {rmSync, statfsSync, statSync} from 'node:fs'
import {join} from 'node:path'

import type {ChainEntry, RecordingCameraSettings} from '../../domain/recording.js'
import type {CameraChain} from './chain.js'

export const MIN_FREE_BYTES = 64 * 2 ** 20

const sizeOf = (file: string): number | undefined => statSync(file, {throwIfNoEntry: false})?.size

/** The chain's segments whose files are still on disk, oldest first, with their stored sizes. */
export function keptSegments(chain: CameraChain): {entry: ChainEntry; path: string; bytes: number}[] {
  const kept = []
  for (const entry of chain.entries) {
    if (entry.kind !== 'segment' || !entry.file) continue
    const path = join(chain.folder, entry.file)
    const bytes = sizeOf(path)
    if (bytes !== undefined) kept.push({entry, path, bytes})
  }
  return kept
}

function freeBytes(folder: string): number {
  const s = statfsSync(folder)
  return s.bavail * s.bsize
}

export function enforceRetention(chain: CameraChain, settings: Pick<RecordingCameraSettings, 'retentionSeconds' | 'maxDiskBytes'>, log: (line: string) => void, now = Date.now()): number {
  const kept = keptSegments(chain)
  let total = kept.reduce((sum, k) => sum + k.bytes, 0)
  const reserve = Math.max(MIN_FREE_BYTES, 2 * Math.max(0, ...kept.map((k) => k.bytes)))
  let deleted = 0
  for (const k of kept) {
    const expired = Date.parse(k.entry.end) < now - settings.retentionSeconds * 1000
    const overBudget = total > settings.maxDiskBytes
    if (!expired && !overBudget && freeBytes(chain.folder) >= reserve) break
    rmSync(k.path, {force: true})
    total -= k.bytes
    deleted++
    log(`retention: deleted segment ${k.entry.seq} of ${chain.cameraId} (${expired ? 'past retention' : overBudget ? 'over the disk budget' : 'disk nearly full'})`)
  }
  return deleted
}
