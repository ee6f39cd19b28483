/** Client side of footage requests: issuing canvasses (one or a batch file), tracking, answering. */
import {parse} from 'csv-parse'
import {createReadStream} from 'node:fs'

import {parseDistance} from '../domain/camera.js'
import type {CanvassInput, CanvassResult} from '../domain/requests.js'
import {parseDuration} from '../domain/units.js'
import {RtccError, usageError} from '../errors.js'
import type {ApiClient} from './api.js'

export function parseLatLon(text: string, flag = '--at'): {latitude: number; longitude: number} {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text)
  const latitude = Number(match?.[1])
  const longitude = Number(match?.[2])
  if (!match || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw usageError(`${flag}: "${text}" is not LAT,LON`, 'Use decimal degrees, e.g. --at 41.8781,-87.6298')
  return {latitude, longitude}
}

function isoTime(text: string, what: string): string {
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) throw usageError(`${what}: "${text}" is not a time`, 'Use ISO-8601, e.g. 2026-11-28T21:00:00Z')
  return new Date(ms).toISOString()
}

export interface IncidentFlags {
  at: string
  radius: string
  from: string
  to: string
  case: string
  reason: string
  type?: string
  cameras?: string
  expires?: string
  dryRun?: boolean
}

export function canvassBody(flags: IncidentFlags, where = 'flags'): CanvassInput {
  return {
    ...parseLatLon(flags.at, `${where}: at`),
    radius: parseDistance(flags.radius, `${where}: radius`),
    from: isoTime(flags.from, `${where}: from`),
    to: isoTime(flags.to, `${where}: to`),
    caseId: flags.case,
    reason: flags.reason,
    types: flags.type ? (flags.type.split(',').map((t) => t.trim()) as CanvassInput['types']) : undefined,
    cameras: flags.cameras ? flags.cameras.split(',').map((c) => c.trim()) : undefined,
    expiresInSeconds: flags.expires ? Math.round(parseDuration(flags.expires, '--expires') / 1000) : undefined,
    dryRun: flags.dryRun ?? false,
  }
}

export function issueCanvass(api: ApiClient, body: CanvassInput): Promise<CanvassResult> {
  return api.post<CanvassResult>('/v1/requests/canvass', body)
}

const BATCH_COLUMNS = ['case', 'lat', 'lon', 'radius', 'from', 'to', 'reason'] as const

/**
 * `--batch incidents.csv`: one incident per row (case, lat, lon, radius, from, to, reason). Every row is
 * checked before anything is issued, so a typo in row 40 does not leave 39 canvasses half-sent.
 */
export async function readIncidents(file: string, shared: {type?: string; expires?: string; dryRun?: boolean}): Promise<CanvassInput[]> {
  const incidents: CanvassInput[] = []
  const parser = createReadStream(file).on('error', (error) => parser.destroy(error)).pipe(parse({columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), bom: true, trim: true, skip_empty_lines: true}))
  let row = 1
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      row++
      const missing = BATCH_COLUMNS.filter((c) => !record[c])
      if (missing.length) throw usageError(`${file}:${row}: missing ${missing.join(', ')}`, `Columns: ${BATCH_COLUMNS.join(', ')}`)
      incidents.push(canvassBody({at: `${record.lat},${record.lon}`, radius: record.radius!, from: record.from!, to: record.to!, case: record.case!, reason: record.reason!, ...shared}, `${file}:${row}`))
    }
  } catch (error) {
    if (error instanceof RtccError) throw error
    throw usageError(`${file}: ${(error as Error).message}`)
  }
  if (incidents.length === 0) throw usageError(`${file} has no incidents`, `Columns: ${BATCH_COLUMNS.join(', ')}`)
  return incidents
}
