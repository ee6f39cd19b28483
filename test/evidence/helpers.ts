/** Real stores in temp dirs, real video from ffmpeg's test source, and a look at what is on disk. */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable} from 'node:stream'

import {LocalBlobStore} from '../../src/lib/evidence/blob-store.js'
import {EvidenceStore, type EvidenceStoreOptions} from '../../src/lib/evidence/store.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'

export function tempDir(prefix = 'rtcc-evidence-'): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

export async function openStore(dataDir: string, options: EvidenceStoreOptions = {}, masterKey = randomBytes(32)): Promise<{store: EvidenceStore; blobs: LocalBlobStore; masterKey: Buffer}> {
  const blobs = await LocalBlobStore.open(dataDir)
  return {store: new EvidenceStore(blobs, masterKey, options), blobs, masterKey}
}

/** Every file under the evidence folder (blobs and temp files), relative. */
export function filesOnDisk(dataDir: string): string[] {
  const root = join(dataDir, 'evidence')
  return (readdirSync(root, {recursive: true, withFileTypes: true}) as {name: string; parentPath: string; isFile(): boolean}[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort()
}

export function blobPath(dataDir: string, id: string): string {
  return join(dataDir, 'evidence', 'blobs', id.slice(-2), id)
}

/** A few seconds of ffmpeg's test pattern as H.264; `args` picks the container (by extension) and muxer flags. */
export function makeTestVideo(file: string, options: {seconds?: number; size?: string; fps?: number; args?: string[]} = {}): string {
  const {seconds = 3, size = '320x240', fps = 15, args = []} = options
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...args, file], {timeout: 30_000})
  return file
}

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Reads a stream in flowing mode until it ends or fails: `received` is every byte the stream emitted
 * before the error (an async iterator would drop what was buffered, hiding early releases).
 */
export function drain(stream: Readable): Promise<{received: Buffer; error?: Error & {code?: string}}> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve({received: Buffer.concat(chunks)}))
    stream.on('error', (error) => resolve({received: Buffer.concat(chunks), error}))
  })
}
