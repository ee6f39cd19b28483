/**
 * One raw record (CSV cells, GeoJSON properties, KML data) → a validated CameraInput or a list of
 * field errors. Cells are coerced leniently (`yes`/`1`/`true`, `41,92` with a decimal comma, `NE` as a
 * direction, `residential` as a location type); the ranges and shapes are then checked by the domain
 * schema, so the rules live in one place (a row zod would accept is checked by its field-by-field
 * mirror in ./camera-fast-check.ts, which is much cheaper).
 */
import {CAMERA_INPUT_EXPECTED, CameraInput, type CameraInputField, type LocationType} from '../domain/camera.js'
import {viewDirectionFromApproaches} from './approaches.js'
import {acceptCandidate} from './camera-fast-check.js'
import type {ColumnPlan, DefaultValue} from './column-map.js'
import {FIELD_COLUMNS, type ColumnName} from './columns.js'

export interface FieldError {
  /** Our column name (`latitude`), or `row` for problems with the record as a whole. */
  field: ColumnName | 'row'
  /** The file's own header for that field, when it came from one. */
  column?: string
  message: string
  expected: string
  /** The offending cell, as read. */
  value?: string
}

export type RowResult = {ok: true; camera: CameraInput} | {ok: false; errors: FieldError[]}

export interface ValidateOptions {
  /** Values for blank or missing cells, by our column name (from the map's defaults and `--source` etc.). */
  defaults: Partial<Record<ColumnName, DefaultValue>>
  /** Accept 0,0 ("null island"), which is nearly always a missing location. */
  allowNullIsland: boolean
}

/** A cell that cannot be coerced; the only allocation coercion makes, and only for bad cells. */
class Invalid {
  constructor(readonly error: string) {}
}
const NOT_A_NUMBER = new Invalid('not a number')
const NOT_YES_OR_NO = new Invalid('not yes or no')
const NOT_A_LOCATION_TYPE = new Invalid('not a known location type')
const NOT_TEXT = new Invalid('not text')

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i
const TRUE = new Set(['yes', 'y', 'true', 't', '1', 'on'])
const FALSE = new Set(['no', 'n', 'false', 'f', '0', 'off'])
const COMPASS: Record<string, number> = {
  n: 0, north: 0, ne: 45, northeast: 45, e: 90, east: 90, se: 135, southeast: 135,
  s: 180, south: 180, sw: 225, southwest: 225, w: 270, west: 270, nw: 315, northwest: 315,
}
const LOCATION_SYNONYMS: Record<string, LocationType> = {
  business: 'business', commercial: 'business', retail: 'business', shop: 'business', store: 'business', office: 'business',
  residence: 'residence', residential: 'residence', home: 'residence', house: 'residence', apartment: 'residence',
  public: 'public', government: 'public', municipal: 'public', city: 'public', street: 'public', traffic: 'public',
  transit: 'transit', transport: 'transit', transportation: 'transit', station: 'transit',
  school: 'school', education: 'school', university: 'school', college: 'school',
  other: 'other',
}

function isBlank(value: unknown): boolean {
  if (typeof value === 'string') return value.length === 0 || (mayBeSpace(value.charCodeAt(0)) && value.trim() === '')
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0)
}

/** Every character `trim` removes is a control character, a space, or from U+00A0 up. */
const mayBeSpace = (code: number) => code <= 32 || code >= 0xa0

const DECIMAL_COMMA = /^[+-]?\d+,\d+$/

const isDigit = (code: number) => code >= 48 && code <= 57

/** Powers of ten that are exact doubles, up to what plainDecimal divides by. */
const POWERS_OF_TEN = Array.from({length: 16}, (_, k) => 10 ** k)

/**
 * The value of a plain decimal of at most 15 digits (`41.878100`, `-87.6`, `61`), else undefined.
 * Its digits as an integer and the power of ten are both exact doubles, so one division gives the
 * correctly rounded value, the same as Number(text); about half the cost of NUMBER's test plus
 * Number(), for the cells nearly every row has four or five of.
 */
export function plainDecimal(text: string): number | undefined {
  const first = text.charCodeAt(0)
  const negative = first === 45 // -
  let i = negative || first === 43 ? 1 : 0 // +
  let digits = 0
  let mantissa = 0
  let scale = 0
  let dot = false
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) {
      mantissa = mantissa * 10 + (c - 48)
      digits++
      if (dot) scale++
    } else if (c === 46 && !dot) dot = true // .
    else return undefined
  }
  if (digits === 0 || digits >= POWERS_OF_TEN.length) return undefined
  const value = mantissa / POWERS_OF_TEN[scale]!
  return negative ? -value : value
}

function toNumber(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_A_NUMBER
  if (typeof value !== 'string') return NOT_A_NUMBER
  let text = value.trim()
  const plain = plainDecimal(text)
  if (plain !== undefined) return plain
  if (text.includes(',') && DECIMAL_COMMA.test(text)) text = text.replace(',', '.')
  return NUMBER.test(text) ? Number(text) : NOT_A_NUMBER
}

function toDirection(value: unknown): unknown {
  // A compass name has letters; a cell starting with a digit is a number (and most are).
  const compass = typeof value === 'string' && !isDigit(value.charCodeAt(0)) ? COMPASS[value.trim().toLowerCase().replace(/[\s-]/g, '')] : undefined
  return compass === undefined ? toNumber(value) : compass
}

function toBoolean(value: unknown): unknown {
  if (typeof value === 'boolean') return value
  const text = String(value).trim().toLowerCase()
  if (TRUE.has(text)) return true
  if (FALSE.has(text)) return false
  return NOT_YES_OR_NO
}

function toLocationType(value: unknown): unknown {
  return LOCATION_SYNONYMS[String(value).trim().toLowerCase()] ?? NOT_A_LOCATION_TYPE
}

/** Distinct non-blank tags in order of first appearance. */
function toTags(value: unknown): unknown {
  return distinctTags(Array.isArray(value) ? value.map(String) : splitTags(String(value)))
}

/** `text.split(/[,;|]/)`, by hand: the regex split costs several times more, on nearly every row. */
function splitTags(text: string): string[] {
  const parts: string[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 44 || c === 59 || c === 124) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** A few parts (nearly every cell) are told apart by a scan, cheaper than building a Set; more by a Set. */
const SCANNED_TAGS = 8

function distinctTags(parts: string[]): string[] {
  if (parts.length > SCANNED_TAGS) return [...new Set(parts.map((part) => part.trim()))].filter((tag) => tag !== '')
  const tags: string[] = []
  for (const part of parts) {
    const tag = part.trim()
    if (tag !== '' && !tags.includes(tag)) tags.push(tag)
  }
  return tags
}

function toText(value: unknown): unknown {
  if (typeof value === 'object') return NOT_TEXT
  return String(value).trim()
}

const COERCE: Record<CameraInputField, (value: unknown) => unknown> = {
  source: toText, externalId: toText, name: toText, address: toText, make: toText, model: toText, viewDescription: toText,
  ownerEmail: toText, ownerName: toText, ownerOrganisation: toText, ownerPhone: toText,
  latitude: toNumber, longitude: toNumber, fieldOfView: toNumber, retentionDays: toNumber,
  viewDirection: toDirection,
  records: toBoolean, liveCapable: toBoolean,
  locationType: toLocationType,
  tags: toTags,
}

const FIELDS = Object.keys(COERCE) as CameraInputField[]

/**
 * Every field present from the start (undefined until coerced), in one fixed shape: filling a
 * `{}` field by field would make each row's object take the same twenty hidden-class transitions.
 */
function emptyCandidate(): Record<string, unknown> {
  return {
    source: undefined, externalId: undefined, name: undefined, address: undefined, make: undefined, model: undefined,
    viewDescription: undefined, ownerEmail: undefined, ownerName: undefined, ownerOrganisation: undefined, ownerPhone: undefined,
    latitude: undefined, longitude: undefined, fieldOfView: undefined, retentionDays: undefined, viewDirection: undefined,
    records: undefined, liveCapable: undefined, locationType: undefined, tags: undefined,
  }
}

/** Each field with the record key it is read from, worked out once per plan rather than per row. */
interface FieldKey {
  field: CameraInputField
  key: string | undefined
  column: ColumnName
  coerce: (value: unknown) => unknown
}
const FIELD_KEYS = new WeakMap<ColumnPlan, FieldKey[]>()
function fieldKeys(plan: ColumnPlan): FieldKey[] {
  let list = FIELD_KEYS.get(plan)
  if (!list) FIELD_KEYS.set(plan, (list = FIELDS.map((field) => ({field, key: plan.keys[field], column: FIELD_COLUMNS[field], coerce: COERCE[field]}))))
  return list
}
const REQUIRED: CameraInputField[] = ['externalId', 'source', 'latitude', 'longitude', 'ownerEmail']

function cellText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

/**
 * Validates one record. `point` (from a GeoJSON or KML geometry) overrides any latitude/longitude cells.
 */
export function validateRecord(
  values: Record<string, unknown>,
  plan: ColumnPlan,
  options: ValidateOptions,
  point?: {latitude: number; longitude: number},
): RowResult {
  let errors: FieldError[] | undefined
  const candidate = emptyCandidate()

  for (const {field, key, column, coerce} of fieldKeys(plan)) {
    let cell = key === undefined ? undefined : values[key]
    if (isBlank(cell)) {
      cell = options.defaults[column]
      if (isBlank(cell)) {
        candidate[field] = null
        continue
      }
    }
    const coerced = coerce(cell)
    if (coerced instanceof Invalid) (errors ??= []).push(fieldError(field, coerced.error, plan, cell))
    else candidate[field] = coerced
  }
  if (point) Object.assign(candidate, point)

  if (candidate.viewDirection === null && plan.approachKeys.length > 0) {
    candidate.viewDirection = viewDirectionFromApproaches(plan.approachKeys.map((k) => values[k]))
  }
  candidate.name ??= candidate.address ?? candidate.externalId
  candidate.locationType ??= 'other'
  candidate.records ??= candidate.retentionDays !== null && candidate.retentionDays !== undefined
  candidate.liveCapable ??= false
  candidate.tags ??= []

  for (const field of REQUIRED) {
    if (candidate[field] === null && !hasError(errors, field)) {
      ;(errors ??= []).push(fieldError(field, 'required', plan))
    }
  }

  let camera = errors ? undefined : acceptCandidate(candidate)
  if (!camera) {
    const parsed = CameraInput.safeParse(candidate)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as CameraInputField
        if (!hasError(errors, field)) (errors ??= []).push(fieldError(field, issue.message, plan, cellFor(field, values, plan, options) ?? undefined))
      }
    }
    if (errors) return {ok: false, errors}
    camera = parsed.data!
  }
  if (camera.latitude === 0 && camera.longitude === 0 && !options.allowNullIsland) {
    return {
      ok: false,
      errors: [{field: 'latitude', message: 'is 0,0 ("null island"), which is almost always a missing location', expected: 'a real location; pass --allow-null-island if 0,0 is meant', value: '0,0'}],
    }
  }
  return {ok: true, camera}
}

/** The cell feeding `field`: the mapped cell, or the default when that is blank. */
function cellFor(field: CameraInputField, values: Record<string, unknown>, plan: ColumnPlan, options: ValidateOptions): unknown {
  const key = plan.keys[field]
  const cell = key === undefined ? undefined : values[key]
  return isBlank(cell) ? options.defaults[FIELD_COLUMNS[field]] : cell
}

function hasError(errors: FieldError[] | undefined, field: CameraInputField): boolean {
  return errors !== undefined && errors.some((e) => e.field === FIELD_COLUMNS[field])
}

function fieldError(field: CameraInputField, message: string, plan: ColumnPlan, cell?: unknown): FieldError {
  const error: FieldError = {field: FIELD_COLUMNS[field], message, expected: CAMERA_INPUT_EXPECTED[field]}
  const column = plan.keys[field]
  if (column !== undefined && column !== FIELD_COLUMNS[field]) error.column = column
  if (cell !== undefined) error.value = cellText(cell)
  return error
}

/** `row 7, latitude (column "LAT"): out of range: "91"; expected a latitude in decimal degrees, -90..90`. */
export function describeFieldError(error: FieldError): string {
  const where = error.column ? `${error.field} (column "${error.column}")` : error.field
  const value = error.value === undefined ? '' : `: ${JSON.stringify(error.value)}`
  return `${where}: ${error.message}${value}; expected ${error.expected}`
}
