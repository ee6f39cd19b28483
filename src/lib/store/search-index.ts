/**
 * The offline search index of a folder (`rtcc search index ./dir`): one SQLite file in
 * `DIR/.rtcc-search/`, so the index travels with a downloaded evidence folder and search works with no
 * server. It holds only derived data (sightings; thumbnails are files beside it). Separate from the
 * server database and its migrations: its own two tables, versioned with user_version.
 */
import Database from 'better-sqlite3'
import {closeSync, mkdirSync, openSync} from 'node:fs'
import {join} from 'node:path'

import type {Colour} from '../search/colours.js'
import type {Label} from '../search/labels.js'
import type {SearchHit, SearchQuery} from '../search/query.js'

export const INDEX_DIR = '.rtcc-search'
const VERSION = 1

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    camera TEXT,
    duration_seconds REAL,
    indexed_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sightings (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    colours TEXT NOT NULL,
    start_seconds REAL NOT NULL,
    end_seconds REAL NOT NULL,
    best_seconds REAL NOT NULL,
    box TEXT NOT NULL,
    thumbnail TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sightings_label ON sightings(label, score);
`

export interface IndexedFile {
  path: string
  size: number
  mtimeMs: number
  durationSeconds: number | null
  /** From the folder's custody.json when it is a downloaded evidence folder. */
  camera: string | null
}

export interface StoredSighting extends Omit<SearchHit, 'camera' | 'source' | 'thumbnail'> {
  path: string
  /** File name of the thumbnail inside the thumbs folder. */
  thumbnail: string
}

interface SightingRow {
  id: string
  path: string
  label: string
  score: number
  colours: string
  start_seconds: number
  end_seconds: number
  best_seconds: number
  box: string
  thumbnail: string
}

export class LocalSearchIndex {
  readonly thumbsDir: string
  private readonly db: Database.Database

  constructor(readonly dir: string) {
    const home = join(dir, INDEX_DIR)
    this.thumbsDir = join(home, 'thumbs')
    mkdirSync(this.thumbsDir, {recursive: true, mode: 0o700})
    const file = join(home, 'index.sqlite')
    closeSync(openSync(file, 'a', 0o600))
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('foreign_keys = ON')
    this.db.exec(SCHEMA)
    this.db.pragma(`user_version = ${VERSION}`)
  }

  file(path: string): IndexedFile | undefined {
    const row = this.db.prepare('SELECT path, size, mtime_ms, duration_seconds, camera FROM files WHERE path = ?').get(path) as {path: string; size: number; mtime_ms: number; duration_seconds: number | null; camera: string | null} | undefined
    return row && {path: row.path, size: row.size, mtimeMs: row.mtime_ms, durationSeconds: row.duration_seconds, camera: row.camera}
  }

  /** Replaces everything known about one file in one transaction; returns the thumbnails it dropped. */
  replaceFile(file: IndexedFile, sightings: StoredSighting[]): string[] {
    return this.db.transaction(() => {
      const dropped = (this.db.prepare('SELECT thumbnail FROM sightings WHERE path = ?').all(file.path) as {thumbnail: string}[]).map((r) => r.thumbnail)
      this.db.prepare('DELETE FROM files WHERE path = ?').run(file.path)
      this.db.prepare('INSERT INTO files (path, size, mtime_ms, duration_seconds, camera, indexed_at) VALUES (?, ?, ?, ?, ?, ?)').run(file.path, file.size, file.mtimeMs, file.durationSeconds, file.camera, new Date().toISOString())
      const insert = this.db.prepare('INSERT INTO sightings (id, path, label, score, colours, start_seconds, end_seconds, best_seconds, box, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      for (const s of sightings) insert.run(s.id, s.path, s.label, s.score, s.colours.join(','), s.startSeconds, s.endSeconds, s.bestSeconds, JSON.stringify(s.box), s.thumbnail)
      return dropped
    })()
  }

  /** Sightings matching the query, best score first, then earliest. */
  search(query: SearchQuery & {camera?: string}): (StoredSighting & {camera: string | null})[] {
    const where = ['score >= ?']
    const params: (string | number)[] = [query.minScore]
    if (query.label) {
      where.push('label = ?')
      params.push(query.label)
    }
    if (query.camera) {
      where.push('camera = ?')
      params.push(query.camera)
    }
    if (query.colour) {
      where.push("(',' || colours || ',') LIKE ?")
      params.push(`%,${query.colour},%`)
    }
    const rows = this.db.prepare(`SELECT s.*, f.camera FROM sightings s JOIN files f USING (path) WHERE ${where.join(' AND ')} ORDER BY score DESC, path, start_seconds LIMIT ?`).all(...params, query.limit) as (SightingRow & {camera: string | null})[]
    return rows.map((row) => ({...toSighting(row), camera: row.camera}))
  }

  sighting(id: string): StoredSighting | undefined {
    const row = this.db.prepare('SELECT * FROM sightings WHERE id = ?').get(id) as SightingRow | undefined
    return row && toSighting(row)
  }

  close(): void {
    this.db.close()
  }
}

function toSighting(row: SightingRow): StoredSighting {
  return {
    id: row.id,
    path: row.path,
    label: row.label as Label,
    score: row.score,
    colours: (row.colours ? row.colours.split(',') : []) as Colour[],
    startSeconds: row.start_seconds,
    endSeconds: row.end_seconds,
    bestSeconds: row.best_seconds,
    box: JSON.parse(row.box) as StoredSighting['box'],
    thumbnail: row.thumbnail,
  }
}
