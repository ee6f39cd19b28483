/**
 * The owner's panic button: an owner-signed statement that opens `emergency` access on the owner's
 * cameras for a while, and an alert to every dashboard. The Core trusts a panic only through the
 * owner's signature, so a server cannot fake one, nor extend one (a clear only ever shortens it).
 */
import {z} from 'zod'

import {OwnerStatement} from './policy.js'

const IsoTime = z.iso.datetime({offset: true})

/** The longest a panic lasts; each camera's emergencyMinutes may end its share sooner. */
export const PANIC_MAX_MS = 24 * 3600_000

/** What the owner signs to trigger a panic. */
export const PanicPayload = z
  .object({
    panicId: z.string().regex(/^alr_[0-9a-z]{26}$/, 'an alr_… id'),
    startedAt: IsoTime,
    until: IsoTime,
    message: z.string().trim().max(500).nullable(),
  })
  .refine((p) => Date.parse(p.until) > Date.parse(p.startedAt), {message: 'until must be after startedAt', path: ['until']})
  .refine((p) => Date.parse(p.until) - Date.parse(p.startedAt) <= PANIC_MAX_MS, {message: 'a panic lasts at most 24 hours', path: ['until']})
export type PanicPayload = z.infer<typeof PanicPayload>

/** What the owner signs to end panics early. */
export const PanicClearPayload = z.object({
  panicIds: z.array(z.string().regex(/^alr_[0-9a-z]{26}$/)).min(1).max(100),
  clearedAt: IsoTime,
})
export type PanicClearPayload = z.infer<typeof PanicClearPayload>

export const PanicStatementBody = z.object({statement: OwnerStatement})

/** A stored panic with the owner's statements, as the Core receives it to verify (`verifyPanic`). */
export interface PanicRecord {
  id: string
  ownerId: string
  startedAt: string
  /** The effective end: the signed until, or the clear if sooner. */
  until: string
  message: string | null
  clearedAt: string | null
  statement: OwnerStatement
  clearStatement: OwnerStatement | null
}

/** A camera a panic opens, and what for. */
export interface PanicCamera {
  id: string
  name: string
  live: boolean
  recorded: boolean
  /** When its emergency access ends (its emergencyMinutes, the panic's end or its schedule, whichever is first). */
  until: string | null
}

/** The alert: the data of `panic.triggered` / `panic.cleared` events and of `rtcc panic` output. */
export interface PanicView {
  panicId: string
  ownerId: string
  /** The owner's organisation or display name. */
  site: string
  /** The centroid of the owner's cameras (null when the owner has none registered). */
  latitude: number | null
  longitude: number | null
  address: string | null
  message: string | null
  startedAt: string
  until: string
  clearedAt: string | null
  cameras: PanicCamera[]
}
