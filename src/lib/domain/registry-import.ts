/** The import contract between `rtcc registry import` and the server (options travel in a header, the file in the body). */
import {z} from 'zod'

import type {FieldError} from '../registry/validate.js'
import {SourceName} from './camera.js'

export const IMPORT_OPTIONS_HEADER = 'x-rtcc-import-options'

export const ImportRequestOptions = z.object({
  format: z.enum(['csv', 'geojson', 'json', 'jsonl', 'kml']),
  fileName: z.string().max(500).optional(),
  /** The --map file's JSON. */
  map: z.unknown().optional(),
  source: SourceName.optional(),
  onConflict: z.enum(['update', 'skip', 'fail']).default('update'),
  dryRun: z.boolean().default(false),
  atomic: z.boolean().default(false),
  encoding: z.enum(['utf8', 'latin1']).default('utf8'),
  delimiter: z.enum([',', ';', '\t']).optional(),
  allowNullIsland: z.boolean().default(false),
})
export type ImportRequestOptions = z.input<typeof ImportRequestOptions>

export interface ImportedReject {
  row: number
  errors: FieldError[]
  raw: Record<string, unknown>
}

export interface ImportSummary {
  fileName: string
  read: number
  inserted: number
  updated: number
  unchanged: number
  /** Existing cameras left as they were (`--on-conflict skip`). */
  skipped: number
  rejected: number
  ownersCreated: number
  /** Rows whose key exists with different values. */
  conflicts: number
  /** Whether anything was written (false for --dry-run, --atomic with rejects, --on-conflict fail with conflicts). */
  applied: boolean
  dryRun: boolean
  atomic: boolean
  onConflict: 'update' | 'skip' | 'fail'
  /** The file's headers (CSV) or first record's keys, for the reject report. */
  headers: string[]
  rejects: ImportedReject[]
  /** More rows were rejected than are listed. */
  rejectsTruncated: boolean
  seconds: number
}
