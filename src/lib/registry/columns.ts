/**
 * The file-side names of camera fields: the canonical column (what export writes, what a column map
 * names) and the other headers import recognises without a map. Headers are compared normalised
 * (case, spaces and punctuation ignored), so `LATITUDE`, `Latitude` and `lat_itude` all match.
 */
import type {CameraInputField} from '../domain/camera.js'

/** Canonical column → field, in export order. */
export const COLUMN_FIELDS = {
  external_id: 'externalId',
  source: 'source',
  name: 'name',
  latitude: 'latitude',
  longitude: 'longitude',
  address: 'address',
  location_type: 'locationType',
  make: 'make',
  model: 'model',
  view_description: 'viewDescription',
  view_direction: 'viewDirection',
  field_of_view: 'fieldOfView',
  records: 'records',
  retention_days: 'retentionDays',
  live_capable: 'liveCapable',
  tags: 'tags',
  owner_email: 'ownerEmail',
  owner_name: 'ownerName',
  owner_organisation: 'ownerOrganisation',
  owner_phone: 'ownerPhone',
} as const satisfies Record<string, CameraInputField>

export type ColumnName = keyof typeof COLUMN_FIELDS
export const COLUMN_NAMES = Object.keys(COLUMN_FIELDS) as ColumnName[]

export const FIELD_COLUMNS = Object.fromEntries(Object.entries(COLUMN_FIELDS).map(([c, f]) => [f, c])) as Record<
  CameraInputField,
  ColumnName
>

/** Other headers that mean the same column, most specific first (a file with both `latitude` and `y` uses `latitude`). */
const ALIASES: Record<ColumnName, string[]> = {
  external_id: ['id', 'cameraid'],
  source: [],
  name: ['title', 'cameraname'],
  latitude: ['lat', 'y'],
  longitude: ['lon', 'lng', 'long', 'x'],
  address: ['streetaddress'],
  location_type: ['type'],
  make: ['manufacturer', 'brand'],
  model: [],
  view_description: ['description', 'view'],
  view_direction: ['direction', 'heading', 'bearing', 'azimuth'],
  field_of_view: ['fov'],
  records: ['recording'],
  retention_days: ['retention'],
  live_capable: ['live'],
  tags: ['tag'],
  owner_email: ['owner', 'email', 'contactemail'],
  owner_name: ['contactname'],
  owner_organisation: ['ownerorganization', 'organisation', 'organization', 'business'],
  owner_phone: ['phone', 'contactphone'],
}

export function normaliseHeader(header: string): string {
  return header.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')
}

/** Normalised header → canonical column, for every canonical name and alias. */
const HEADER_TO_COLUMN = new Map<string, {column: ColumnName; rank: number}>()
for (const column of COLUMN_NAMES) {
  ;[column, ...ALIASES[column]].forEach((name, rank) => {
    const key = normaliseHeader(name)
    if (!HEADER_TO_COLUMN.has(key)) HEADER_TO_COLUMN.set(key, {column, rank})
  })
}

/** The column a header means without a map, and how good a match it is (0 = the canonical name). */
export function columnForHeader(header: string): {column: ColumnName; rank: number} | undefined {
  return HEADER_TO_COLUMN.get(normaliseHeader(header))
}
