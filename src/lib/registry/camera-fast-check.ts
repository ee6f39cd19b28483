/**
 * The import's fast path past `CameraInput.safeParse`: the same checks and the same output, written
 * out field by field, for a candidate zod would accept. Running zod's schema machinery costs more per
 * row than reading the CSV; this costs a few comparisons. It only ever says yes: a candidate it does
 * not accept goes to zod, whose messages the reject report shows. The schema stays the single source
 * of truth: test/registry/camera-fast-check.test.ts runs both over generated candidates and requires
 * the same camera or a refusal here, and fails when the schema gains a field this does not check.
 */
import {z} from 'zod'

import {LOCATION_TYPES, type CameraInput} from '../domain/camera.js'

const LOCATION_TYPE_SET = new Set<unknown>(LOCATION_TYPES)
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/
const PHONE = /^\+?[0-9 ().\-/]+$/
/** The pattern `z.email()` checks with (zod's default). */
const EMAIL = z.regexes.email
const TAG_SEPARATOR = /[,;|]/

/**
 * `text(max)` of the schema: trimmed, 1..max characters, counted as zod counts them (code points: a
 * string within `max` UTF-16 units always fits; a longer one is counted exactly).
 */
function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  if (trimmed.length === 0) return undefined
  return trimmed.length <= max || z.util.codePointLength(trimmed) <= max ? trimmed : undefined
}

const NULL = Symbol('null')
/** `optionalText(max)`: null, or text(max); NULL stands for an accepted null. */
function optionalText(value: unknown, max: number): string | typeof NULL | undefined {
  return value === null ? NULL : text(value, max)
}

function number(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : undefined
}

/** `Phone`: trimmed, the allowed characters, 7 to 15 digits. */
function phone(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  if (!PHONE.test(trimmed)) return undefined
  let digits = 0
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
  }
  return digits >= 7 && digits <= 15 ? trimmed : undefined
}

/** `z.array(Tag).max(50)`: each tag trimmed, 1..64 characters, without `,` `;` `|`. */
function tags(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > 50) return undefined
  const out: string[] = []
  for (const tag of value) {
    const trimmed = text(tag, 64)
    if (trimmed === undefined || TAG_SEPARATOR.test(trimmed)) return undefined
    out.push(trimmed)
  }
  return out
}

const orNull = <T>(value: T | typeof NULL): T | null => (value === NULL ? null : value)

/** The camera `CameraInput.parse(candidate)` returns, or undefined when zod should decide. */
export function acceptCandidate(c: Record<string, unknown>): CameraInput | undefined {
  const name = text(c.name, 200)
  const latitude = number(c.latitude, -90, 90)
  const longitude = number(c.longitude, -180, 180)
  const address = optionalText(c.address, 500)
  const locationType = LOCATION_TYPE_SET.has(c.locationType) ? (c.locationType as CameraInput['locationType']) : undefined
  const make = optionalText(c.make, 100)
  const model = optionalText(c.model, 100)
  const viewDescription = optionalText(c.viewDescription, 1000)
  // viewDirection is `.lt(360)`: checked apart from number()'s inclusive bounds.
  const viewDirection = c.viewDirection === null ? NULL : c.viewDirection === 360 ? undefined : number(c.viewDirection, 0, 360)
  const fieldOfView = c.fieldOfView === null ? NULL : number(c.fieldOfView, 1, 360)
  const retentionDays = c.retentionDays === null ? NULL : Number.isInteger(c.retentionDays) ? number(c.retentionDays, 0, 36_500) : undefined
  const tagList = tags(c.tags)
  const source = text(c.source, 64)
  const externalId = text(c.externalId, 200)
  const email = typeof c.ownerEmail === 'string' ? c.ownerEmail.trim().toLowerCase() : undefined
  const ownerName = optionalText(c.ownerName, 200)
  const ownerOrganisation = optionalText(c.ownerOrganisation, 200)
  const ownerPhone = c.ownerPhone === null ? NULL : phone(c.ownerPhone)
  if (
    name === undefined || latitude === undefined || longitude === undefined || address === undefined || locationType === undefined ||
    make === undefined || model === undefined || viewDescription === undefined || viewDirection === undefined ||
    fieldOfView === undefined || typeof c.records !== 'boolean' || retentionDays === undefined || typeof c.liveCapable !== 'boolean' ||
    tagList === undefined || source === undefined || !SOURCE.test(source) || externalId === undefined ||
    email === undefined || !EMAIL.test(email) || ownerName === undefined || ownerOrganisation === undefined || ownerPhone === undefined
  ) {
    return undefined
  }
  // Keys in the schema's order, as zod builds its output.
  return {
    name, latitude, longitude, address: orNull(address), locationType, make: orNull(make), model: orNull(model),
    viewDescription: orNull(viewDescription), viewDirection: orNull(viewDirection), fieldOfView: orNull(fieldOfView),
    records: c.records, retentionDays: orNull(retentionDays), liveCapable: c.liveCapable, tags: tagList,
    source, externalId, ownerEmail: email, ownerName: orNull(ownerName), ownerOrganisation: orNull(ownerOrganisation),
    ownerPhone: orNull(ownerPhone),
  }
}
