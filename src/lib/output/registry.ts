/** Human rendering for the registry, owner, camera and agency commands (`--json` prints the data as is). */
import type {Camera, Owner} from '../domain/camera.js'
import type {ImportSummary} from '../domain/registry-import.js'
import type {ShippedMap} from '../registry/column-map.js'
import {type Column, renderFields, renderTable} from './table.js'

const yesNo = (value: boolean | null | undefined) => (value === null || value === undefined ? '?' : value ? 'yes' : 'no')

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW']
/** `47° NE`: degrees for precision, the compass point for a quick read. */
export const bearingText = (degrees: number) => `${Math.round(degrees) % 360}° ${COMPASS[Math.round(degrees / 45) % 8]}`

const recording = (c: Camera) => (c.records ? (c.retentionDays === null ? 'yes' : `${c.retentionDays}d`) : 'no')

const cameraColumns: Column<Camera>[] = [
  {header: 'id', get: (c) => c.id},
  {header: 'name', get: (c) => c.name},
  {header: 'type', get: (c) => c.locationType},
  {header: 'latitude', get: (c) => c.latitude},
  {header: 'longitude', get: (c) => c.longitude},
  {header: 'records', get: recording},
  {header: 'live', get: (c) => yesNo(c.liveCapable)},
  {header: 'source', get: (c) => c.source},
]

export const renderCameras = (cameras: Camera[]) => renderTable(cameras, cameraColumns)

export function renderCamera(c: Camera): string {
  return renderFields([
    ['id', c.id],
    ['name', c.name],
    ['location', `${c.latitude},${c.longitude}`],
    ['address', c.address ?? '-'],
    ['type', c.locationType],
    ['make / model', [c.make, c.model].filter(Boolean).join(' ') || '-'],
    ['view', c.viewDescription ?? '-'],
    ['direction', c.viewDirection === null ? '-' : bearingText(c.viewDirection)],
    ['field of view', c.fieldOfView === null ? '-' : `${c.fieldOfView}°`],
    ['records', c.records ? (c.retentionDays === null ? 'yes (retention unknown)' : `yes, kept ${c.retentionDays} days`) : 'no'],
    ['live capable', yesNo(c.liveCapable)],
    ['tags', c.tags.join(', ') || '-'],
    ['owner', c.ownerId],
    ['source / key', `${c.source} / ${c.externalId}`],
    ['updated', c.updatedAt],
  ])
}

export interface NearRow {
  camera: Camera
  distanceMetres: number
  bearingFromPoint: number
  facesPoint: boolean | null
  footageRetained?: boolean | null
}

export function renderNear(rows: NearRow[], withWhen: boolean): string {
  const columns: Column<NearRow>[] = [
    {header: 'distance m', get: (r) => Math.round(r.distanceMetres)},
    {header: 'bearing', get: (r) => bearingText(r.bearingFromPoint)},
    {header: 'faces', get: (r) => yesNo(r.facesPoint)},
    ...(withWhen ? [{header: 'footage', get: (r: NearRow) => yesNo(r.footageRetained)}] : []),
    {header: 'type', get: (r) => r.camera.locationType},
    {header: 'name', get: (r) => r.camera.name},
    {header: 'id', get: (r) => r.camera.id},
  ]
  return renderTable(rows, columns)
}

export function renderStats(stats: {cameras: number; owners: number; byType: Record<string, number>; liveCapable: number; records: number}): string {
  return renderFields([
    ['cameras', stats.cameras],
    ['owners', stats.owners],
    ['recording', stats.records],
    ['live capable', stats.liveCapable],
    ...Object.entries(stats.byType).map(([type, n]): [string, unknown] => [`  ${type}`, n]),
  ])
}

export function renderOwner(o: Owner): string {
  return renderFields([
    ['id', o.id],
    ['name', o.displayName],
    ['organisation', o.organisation ?? '-'],
    ['email', o.email],
    ['phone', o.phone ?? '-'],
    ['address', o.postalAddress ?? '-'],
    ['contact by', o.preferredContact],
    ['verified', yesNo(o.verified)],
    ['updated', o.updatedAt],
  ])
}

export interface AgencyRow {
  id: string
  name: string
  polygons: number
  members: number
  bbox: {minLatitude: number; maxLatitude: number; minLongitude: number; maxLongitude: number}
}

export const renderAgencies = (agencies: AgencyRow[]) =>
  renderTable(agencies, [
    {header: 'name', get: (a) => a.name},
    {header: 'members', get: (a) => a.members},
    {header: 'polygons', get: (a) => a.polygons},
    {header: 'bbox (lon,lat)', get: (a) => [a.bbox.minLongitude, a.bbox.minLatitude, a.bbox.maxLongitude, a.bbox.maxLatitude].join(',')},
    {header: 'id', get: (a) => a.id},
  ])

/** `chicago.csv: read 160, inserted 158, updated 0, unchanged 0, rejected 2 (0.4 s)` plus what was not applied. */
export function describeImport(s: ImportSummary): string {
  const counts = `read ${s.read}, inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, rejected ${s.rejected}`
  const lines = [`${s.fileName}: ${counts}${s.skipped ? `, skipped ${s.skipped}` : ''} (${s.seconds} s)`]
  if (s.ownersCreated) lines.push(`  ${s.ownersCreated} new owner(s), unverified until they sign up`)
  if (s.dryRun) lines.push('  dry run: nothing was written')
  else if (!s.applied) lines.push('  nothing was written')
  return lines.join('\n') + '\n'
}

/** The first few rejected rows, for the terminal (the reject report has them all). */
export function describeRejects(s: ImportSummary, max = 10): string {
  const lines = s.rejects.slice(0, max).map((r) => `  ${s.fileName}:${r.row}: ${r.errors.map((e) => `${e.column ?? e.field}: ${e.message}${e.value === undefined ? '' : ` (${JSON.stringify(e.value)})`}`).join('; ')}`)
  if (s.rejected > lines.length) lines.push(`  … and ${s.rejected - lines.length} more`)
  return lines.join('\n') + '\n'
}

export const renderMaps = (maps: ShippedMap[]) =>
  renderTable(maps, [
    {header: 'name', get: (m) => m.name},
    {header: 'source', get: (m) => m.source ?? '-'},
    {header: 'for', get: (m) => m.description ?? '-'},
  ])
