/**
 * The audit record and its canonical leaf encoding.
 *
 * Leaf data is the UTF-8 JSON array of the record's fields in RECORD_FIELDS order, with `detail`
 * as its canonical JSON text (or null). With only strings, integers and null in it, that JSON is
 * also the RFC 8785 (JCS) form, so any language can recompute it: it is unambiguous, includes every
 * field (seq too, so moving a record breaks its hash). The store keeps these exact bytes (its other
 * record columns are derived from them), so `audit verify` hashes stored bytes, one native SHA-256
 * call per record, with nothing rendered. The leaf hash is SHA-256(0x00 || leaf data) as RFC 6962 prescribes.
 */
import {sha256} from './merkle.js'

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'error'] as const
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number]

export interface AuditRecord {
  /** `aud_…` id. */
  id: string
  /** 1-based position in the log; leaf index = seq - 1. */
  seq: number
  /** UTC ISO-8601 with milliseconds. */
  time: string
  actorId: string | null
  actorName: string | null
  role: string | null
  /** What was attempted, e.g. `user.create`, `audit.query`, `auth.login`. */
  action: string
  /** The object acted on, e.g. a user or camera id. */
  target: string | null
  outcome: AuditOutcome
  /** Source address of the request. */
  source: string | null
  requestId: string | null
  bytesIn: number | null
  bytesOut: number | null
  /** Extra structured context (reason for a denial, changed fields…). */
  detail: Record<string, unknown> | null
}

/** Field order of the leaf encoding. */
export const RECORD_FIELDS = [
  'seq',
  'id',
  'time',
  'actorId',
  'actorName',
  'role',
  'action',
  'target',
  'outcome',
  'source',
  'requestId',
  'bytesIn',
  'bytesOut',
  'detail',
] as const satisfies ReadonlyArray<keyof AuditRecord>

/** A record's fields as encoded: RECORD_FIELDS order, detail as canonical JSON text. */
export type StoredValues = unknown[]

/** JSON with object keys sorted at every level, so equal details always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/** The values of a record, in leaf-encoding order. */
export function storedValues(record: AuditRecord): StoredValues {
  return RECORD_FIELDS.map((field) => (field === 'detail' ? (record.detail === null ? null : canonicalJson(record.detail)) : record[field]))
}

/** A record's canonical leaf data as text: what the store keeps and verify hashes (as UTF-8). */
export function leafJson(record: AuditRecord): string {
  return JSON.stringify(storedValues(record))
}

/** The record a leaf encodes (the inverse of leafJson). Throws for text that is not a leaf's JSON array. */
export function recordOfLeaf(leaf: string): AuditRecord {
  const values = JSON.parse(leaf) as unknown[]
  if (!Array.isArray(values) || values.length !== RECORD_FIELDS.length) throw new Error('not an audit leaf')
  const record = Object.fromEntries(RECORD_FIELDS.map((field, i) => [field, values[i]])) as unknown as AuditRecord
  record.detail = record.detail === null ? null : JSON.parse(record.detail as unknown as string)
  return record
}

/**
 * RFC 6962 leaf hash of leaf data given as text. U+0000 encodes to the single byte 0x00, so hashing
 * the string "\0" + JSON is exactly SHA-256(0x00 || leaf data) without building the byte array in JavaScript.
 */
export function leafHashOfJson(json: string): Buffer {
  return sha256('\u0000' + json)
}

export function leafHashOfRecord(record: AuditRecord): Buffer {
  return leafHashOfJson(leafJson(record))
}
