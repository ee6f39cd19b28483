/**
 * Offline search over a folder (local files or a downloaded evidence folder): index every video in it
 * into `DIR/.rtcc-search/`, search that index, cut clips of sightings. No server, no network. A file
 * already indexed with the same size and modification time is skipped, so re-running is cheap.
 */
import {copyFile, mkdir, readdir, readFile, stat, unlink, writeFile} from 'node:fs/promises'
import {basename, dirname, join, relative, resolve} from 'node:path'

import {newId} from '../domain/ids.js'
import {CUSTODY_FILE, CustodyDocument} from '../evidence/custody.js'
import {RtccError} from '../errors.js'
import {clip, type ClipResult} from '../media/clip.js'
import {probeStream} from '../media/probe.js'
import {INDEX_DIR, LocalSearchIndex} from '../store/search-index.js'
import {loadDetector} from './detector.js'
import {indexVideo, type IndexOptions} from './index-video.js'
import {parseQuery, type SearchHit} from './query.js'

export interface FolderProgress {
  file: string
  /** Seconds of video done across the whole run, and the total (null until known). */
  doneSeconds: number
  totalSeconds: number
}

export interface FolderIndexResult {
  dir: string
  indexed: {file: string; durationSeconds: number | null; sightings: number; detectorRuns: number}[]
  unchanged: string[]
  skipped: {file: string; reason: string}[]
  sightings: number
  elapsedSeconds: number
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true, recursive: true})
  return entries
    .filter((e) => e.isFile() && e.name !== CUSTODY_FILE && !relative(dir, join(e.parentPath, e.name)).split('/').some((part) => part.startsWith('.')))
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

/** File name → camera id, when the folder is one `rtcc request download` wrote (its custody.json). */
async function camerasByFile(dir: string): Promise<Map<string, string>> {
  const text = await readFile(join(dir, CUSTODY_FILE), 'utf8').catch(() => undefined)
  const custody = text === undefined ? undefined : CustodyDocument.safeParse(JSON.parse(text))
  const files = custody?.success ? custody.data.files : []
  return new Map(files.flatMap((f) => (f.cameraId ? [[f.name, f.cameraId] as const] : [])))
}

/** Indexes a folder, or a single video file (its index then lives in the file's folder). */
export async function indexFolder(target: string, options: Pick<IndexOptions, 'fps' | 'detectEverySeconds'> & {onProgress?: (p: FolderProgress) => void} = {}): Promise<FolderIndexResult> {
  const started = performance.now()
  const info = await stat(target).catch(() => {
    throw new RtccError(`no such file or folder: ${target}`, {code: 'not_found', where: target})
  })
  const single = info.isFile()
  const dir = resolve(single ? dirname(target) : target)
  const candidates = single ? [resolve(target)] : await listFiles(dir)
  const cameras = await camerasByFile(dir)
  const index = new LocalSearchIndex(dir)
  const result: FolderIndexResult = {dir, indexed: [], unchanged: [], skipped: [], sightings: 0, elapsedSeconds: 0}
  try {
    // Probe first: it sorts out what is video and gives the total duration for progress and ETA.
    const todo: {file: string; rel: string; size: number; mtimeMs: number; duration: number}[] = []
    for (const file of candidates) {
      const rel = relative(dir, file)
      const s = await stat(file)
      const known = index.file(rel)
      if (known && known.size === s.size && known.mtimeMs === s.mtimeMs) {
        result.unchanged.push(rel)
        continue
      }
      const probe = await probeStream(file).catch((error: unknown) => error as Error)
      if (probe instanceof Error || !probe.width) {
        if (single) throw new RtccError(`not a video file: ${target}`, {code: 'not_video', where: target, hint: 'Pass a video file or a folder holding video files.'})
        result.skipped.push({file: rel, reason: 'not a video file'})
        continue
      }
      todo.push({file, rel, size: s.size, mtimeMs: s.mtimeMs, duration: probe.durationSeconds ?? 0})
    }
    if (!todo.length) return result
    const detector = await loadDetector()
    const totalSeconds = todo.reduce((sum, t) => sum + t.duration, 0)
    let doneBefore = 0
    try {
      for (const t of todo) {
        const video = await indexVideo(t.file, detector, {
          ...options,
          onProgress: (p) => options.onProgress?.({file: t.rel, doneSeconds: doneBefore + p.seconds, totalSeconds}),
        })
        const stored = video.sightings.map((s) => ({...s, id: newId('sig'), path: t.rel, thumbnail: ''}))
        for (const [i, s] of stored.entries()) {
          s.thumbnail = `${s.id}.jpg`
          await writeFile(join(index.thumbsDir, s.thumbnail), video.sightings[i]!.thumbnail, {mode: 0o600})
        }
        const dropped = index.replaceFile({path: t.rel, size: t.size, mtimeMs: t.mtimeMs, durationSeconds: video.durationSeconds, camera: cameras.get(t.rel) ?? null}, stored)
        await Promise.all(dropped.map((name) => unlink(join(index.thumbsDir, name)).catch(() => undefined)))
        result.indexed.push({file: t.rel, durationSeconds: video.durationSeconds, sightings: stored.length, detectorRuns: video.detectorRuns})
        result.sightings += stored.length
        doneBefore += t.duration
      }
    } finally {
      detector.dispose()
    }
    return result
  } finally {
    index.close()
    result.elapsedSeconds = Math.round((performance.now() - started) / 10) / 100
  }
}

function openExisting(dir: string): LocalSearchIndex {
  return new LocalSearchIndex(resolve(dir))
}

async function assertIndexed(dir: string): Promise<void> {
  const exists = await stat(join(dir, INDEX_DIR, 'index.sqlite')).catch(() => undefined)
  if (!exists) throw new RtccError(`no search index in ${dir}`, {code: 'not_found', where: dir, hint: `Run \`rtcc search index ${dir}\` first, or pass --index DIR.`})
}

export interface LocalSearchOptions {
  class?: string
  color?: string
  /** Only footage of this camera (known for folders written by `rtcc request download`). */
  camera?: string
  minScore?: number
  limit?: number
  /** Copy the hits' thumbnails into this folder. */
  thumbs?: string
}

export async function searchFolder(dir: string, options: LocalSearchOptions): Promise<SearchHit[]> {
  const query = parseQuery(options)
  await assertIndexed(dir)
  const index = openExisting(dir)
  try {
    const hits: SearchHit[] = index.search({...query, camera: options.camera}).map(({path, thumbnail, ...s}) => ({
      ...s,
      source: join(index.dir, path),
      thumbnail: join(index.thumbsDir, thumbnail),
    }))
    if (options.thumbs) {
      await mkdir(options.thumbs, {recursive: true})
      for (const hit of hits) {
        const copy = join(options.thumbs, basename(hit.thumbnail))
        await copyFile(hit.thumbnail, copy)
        hit.thumbnail = copy
      }
    }
    return hits
  } finally {
    index.close()
  }
}

/** The stretch of source video around a sighting, by stream copy. */
export async function clipSighting(dir: string, id: string, output: string, padSeconds: number, overwrite = false): Promise<ClipResult & {sighting: string}> {
  await assertIndexed(dir)
  const index = openExisting(dir)
  try {
    const sighting = index.sighting(id)
    if (!sighting) throw new RtccError(`no sighting ${id} in the index of ${dir}`, {code: 'not_found', where: id, hint: 'Take the id from `rtcc search` in the same folder (or pass --index DIR).'})
    const result = await clip(join(index.dir, sighting.path), {
      fromSeconds: Math.max(0, sighting.startSeconds - padSeconds),
      toSeconds: sighting.endSeconds + padSeconds,
      output,
      overwrite,
    })
    return {...result, sighting: id}
  } finally {
    index.close()
  }
}
