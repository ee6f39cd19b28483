/**
 * One upload, start to finish: stream it encrypted into the store (hashing the original on the way),
 * then prove it is video. Anything that fails (the source, the size limit, the disk, the probe)
 * leaves nothing behind, so the caller creates its evidence record only from a returned value.
 */
import type {Readable} from 'node:stream'

import {probeStoredVideo, type VideoProbe} from './probe.js'
import type {EvidenceStore, StoredEvidence} from './store.js'

export interface IngestOptions {
  /** Per-upload limit, capped by the store's own. */
  maxBytes?: number
  /** How to name the upload in errors (e.g. the owner's file name); never used for storage. */
  label?: string
  probeTimeoutMs?: number
}

export interface IngestedVideo extends StoredEvidence {
  media: VideoProbe
}

export async function ingestVideo(store: EvidenceStore, source: Readable, options: IngestOptions = {}): Promise<IngestedVideo> {
  const stored = await store.put(source, {maxBytes: options.maxBytes})
  try {
    const media = await probeStoredVideo(store, stored.id, {label: options.label ?? 'the upload', timeoutMs: options.probeTimeoutMs})
    return {...stored, media}
  } catch (error) {
    await store.delete(stored.id)
    throw error
  }
}
