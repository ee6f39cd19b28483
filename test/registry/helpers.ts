/** Small helpers for registry tests: feed text in awkward chunks and gather what import yields. */
import {readCameras, type ImportOptions, type ImportRow} from '../../src/lib/registry/import.js'
import type {CameraInput} from '../../src/lib/domain/camera.js'

/** Splits text (or bytes) into chunks of `size` bytes, so records and characters straddle chunk boundaries. */
export function chunked(input: string | Buffer, size = 7): Buffer[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

export async function importAll(input: string | Buffer | Iterable<Buffer> | AsyncIterable<Buffer>, options: ImportOptions): Promise<ImportRow[]> {
  const source = typeof input === 'string' || Buffer.isBuffer(input) ? chunked(input) : input
  const rows: ImportRow[] = []
  for await (const row of readCameras(source, options)) rows.push(row)
  return rows
}

export function accepted(rows: ImportRow[]): CameraInput[] {
  return rows.flatMap((r) => (r.result.ok ? [r.result.camera] : []))
}

export function rejected(rows: ImportRow[]): {row: number; fields: string[]; messages: string[]}[] {
  return rows.flatMap((r) => (r.result.ok ? [] : [{row: r.row, fields: r.result.errors.map((e) => e.field), messages: r.result.errors.map((e) => e.message)}]))
}

export const OWNER = 'owner@example.com'

/** A complete, valid camera for building expectations and export fixtures. */
export function camera(overrides: Partial<CameraInput> = {}): CameraInput {
  return {
    source: 'test',
    externalId: 'cam-1',
    name: 'Front door',
    latitude: 41.8781,
    longitude: -87.6298,
    address: '1 N State St, Chicago',
    locationType: 'business',
    make: 'Axis',
    model: 'P3245-LVE',
    viewDescription: 'Entrance and sidewalk',
    viewDirection: 90,
    fieldOfView: 100,
    records: true,
    retentionDays: 30,
    liveCapable: false,
    tags: ['entrance', 'sidewalk'],
    ownerEmail: OWNER,
    ownerName: 'Joe Owner',
    ownerOrganisation: "Joe's Deli",
    ownerPhone: '+1 312 555 0100',
    ...overrides,
  }
}
