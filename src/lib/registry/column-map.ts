/**
 * Column maps (`--map FILE`): how a file's own headers become camera fields. A map is JSON:
 *
 *   {
 *     "columns":  {"external_id": "LOCATION ID", "name": "ADDRESS", "latitude": "LATITUDE"},
 *     "defaults": {"source": "chicago-speed", "location_type": "public", "owner_email": "cdot@example.org"},
 *     "view_direction_from_approaches": ["FIRST APPROACH", "SECOND APPROACH"]
 *   }
 *
 * Keys are our canonical column names (the ones `registry export` writes). `columns` names the header
 * that holds a field (null: take it from no column); fields the map leaves out still match by header
 * alias. `defaults` fill cells that are blank or missing — a whole-file owner, a source, a type.
 * `view_direction_from_approaches` lists headers holding traffic approach codes (NB, SB, EB, WB, SEB…)
 * that give the view direction when the file has none. An optional `description` says which files
 * the map is for.
 *
 * Maps shipped with rtcc (examples/maps/NAME.map.json, in the npm package too) are addressable by
 * NAME: `--map chicago-speed`; `rtcc registry maps` lists them. A path to a file always works.
 */
import {readdir, readFile, stat} from 'node:fs/promises'
import {basename, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {z} from 'zod'

import type {CameraInputField} from '../domain/camera.js'
import {RtccError} from '../errors.js'
import {COLUMN_FIELDS, COLUMN_NAMES, columnForHeader, normaliseHeader, type ColumnName} from './columns.js'

const Column = z.enum(COLUMN_NAMES as [ColumnName, ...ColumnName[]])
const DefaultValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])

export const ColumnMap = z.strictObject({
  description: z.string().optional(),
  columns: z.partialRecord(Column, z.string().min(1).nullable()).default({}),
  defaults: z.partialRecord(Column, DefaultValue).default({}),
  view_direction_from_approaches: z.array(z.string().min(1)).default([]),
})
export type ColumnMap = z.infer<typeof ColumnMap>
export type DefaultValue = z.infer<typeof DefaultValue>

export function parseColumnMap(json: unknown, where = 'column map'): ColumnMap {
  const parsed = ColumnMap.safeParse(json)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.join('.') || '(top level)'
  throw new RtccError(`${where}: ${path}: ${issue.message}`, {
    code: 'invalid_map',
    exitCode: 2,
    where,
    hint: `A map is JSON with "columns" (our column → your header), "defaults" (our column → value) and "view_direction_from_approaches" (headers). Our columns: ${COLUMN_NAMES.join(', ')}.`,
  })
}

/** The maps shipped in the package (from src/lib/registry or dist/lib/registry alike). */
const SHIPPED_MAPS = fileURLToPath(new URL('../../../examples/maps/', import.meta.url))
const MAP_SUFFIX = '.map.json'

export interface ShippedMap {
  /** What `--map` takes. */
  name: string
  description: string | null
  /** The source its rows get, when the map sets one. */
  source: string | null
  file: string
}

export async function shippedMaps(): Promise<ShippedMap[]> {
  const files = (await readdir(SHIPPED_MAPS).catch(() => [])).filter((f) => f.endsWith(MAP_SUFFIX)).sort()
  return Promise.all(
    files.map(async (f) => {
      const file = join(SHIPPED_MAPS, f)
      const map = await loadColumnMap(file)
      const source = map.defaults.source
      return {name: basename(f, MAP_SUFFIX), description: map.description ?? null, source: typeof source === 'string' ? source : null, file}
    }),
  )
}

/** A path to a map file, else the name of a shipped map (`chicago-speed`, with or without `.map.json`). */
async function resolveMapFile(pathOrName: string): Promise<string> {
  if (await stat(pathOrName).then((info) => info.isFile(), () => false)) return pathOrName
  const name = basename(pathOrName, MAP_SUFFIX)
  const shipped = await shippedMaps()
  const found = pathOrName === name || pathOrName === name + MAP_SUFFIX ? shipped.find((m) => m.name === name) : undefined
  if (found) return found.file
  throw new RtccError(`--map: no file ${pathOrName} and no shipped map of that name`, {
    code: 'invalid_map',
    exitCode: 2,
    where: pathOrName,
    hint: `Give the path of a map file, or one of the shipped maps: ${shipped.map((m) => m.name).join(', ') || '(none installed)'} (see rtcc registry maps).`,
  })
}

/** Reads and checks a column map, given its file's path or a shipped map's name. */
export async function loadColumnMap(pathOrName: string): Promise<ColumnMap> {
  const path = await resolveMapFile(pathOrName)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read column map ${path}: ${(error as Error).message}`, {code: 'invalid_map', exitCode: 2, where: path})
  }
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new RtccError(`column map ${path} is not valid JSON: ${(error as Error).message}`, {code: 'invalid_map', exitCode: 2, where: path})
  }
  return parseColumnMap(json, path)
}

/** Which key of a raw record feeds each field, decided once per header set. */
export interface ColumnPlan {
  keys: Partial<Record<CameraInputField, string>>
  approachKeys: string[]
  /** Headers that feed nothing, so a CLI can say what it skipped. */
  ignored: string[]
}

/**
 * Matches headers to fields: the map first, then aliases (the best-ranked alias wins when several
 * headers mean the same column). With `strict` (CSV, where the header is known up front) a map that
 * names a missing header is an error; for JSON records a missing key is just a blank cell.
 */
export function planColumns(headers: readonly string[], map: ColumnMap | undefined, strict: boolean, where = 'file'): ColumnPlan {
  const find = (wanted: string, purpose: string): string | undefined => {
    const found = headers.find((h) => h === wanted) ?? headers.find((h) => normaliseHeader(h) === normaliseHeader(wanted))
    if (found === undefined && strict) {
      throw new RtccError(`the column map says ${purpose} is in column "${wanted}", but ${where} has no such column`, {
        code: 'invalid_map',
        exitCode: 2,
        where,
        hint: `Columns in the file: ${headers.map((h) => JSON.stringify(h)).join(', ')}.`,
      })
    }
    return found
  }

  const keys: ColumnPlan['keys'] = {}
  const mapped = new Set<ColumnName>()
  for (const [column, header] of Object.entries(map?.columns ?? {}) as [ColumnName, string | null][]) {
    mapped.add(column)
    const key = header === null ? undefined : find(header, column)
    if (key !== undefined) keys[COLUMN_FIELDS[column]] = key
  }

  const best = new Map<ColumnName, number>()
  for (const header of headers) {
    const match = columnForHeader(header)
    if (!match || mapped.has(match.column)) continue
    if (match.rank < (best.get(match.column) ?? Infinity)) {
      best.set(match.column, match.rank)
      keys[COLUMN_FIELDS[match.column]] = header
    }
  }

  const approachKeys = (map?.view_direction_from_approaches ?? [])
    .map((header) => find(header, 'an approach'))
    .filter((key): key is string => key !== undefined)
  const used = new Set<string>([...Object.values(keys), ...approachKeys])
  return {keys, approachKeys, ignored: headers.filter((h) => !used.has(h))}
}
