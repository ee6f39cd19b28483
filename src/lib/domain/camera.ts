/**
 * The camera registry's data: owners, their cameras, and the import row that bulk files and owners'
 * edits are validated against. These schemas are the single source of truth for API bodies, import
 * rows and the store; the registry codecs only turn file cells into candidate values for them.
 */
import {z} from 'zod'

import {parseDistance} from './units.js'

export const LOCATION_TYPES = ['business', 'residence', 'public', 'transit', 'school', 'other'] as const
export const LocationType = z.enum(LOCATION_TYPES, {error: `one of ${LOCATION_TYPES.join(', ')}`})
export type LocationType = z.infer<typeof LocationType>

export const CONTACT_PREFERENCES = ['email', 'phone', 'post'] as const
export const ContactPreference = z.enum(CONTACT_PREFERENCES, {error: `one of ${CONTACT_PREFERENCES.join(', ')}`})
export type ContactPreference = z.infer<typeof ContactPreference>

const IsoTime = z.iso.datetime({offset: true})
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`)
const optionalText = (max: number) => text(max).nullable()

export const Email = z.string().trim().toLowerCase().pipe(z.email('not an email address'))

/** Loose on purpose: international formats vary; we only refuse what cannot be a phone number. */
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().\-/]+$/, 'digits, spaces, + ( ) . - / only')
  .refine((value) => {
    const digits = value.replace(/\D/g, '').length
    return digits >= 7 && digits <= 15
  }, '7 to 15 digits')

/** A tag is one word or phrase; `,` `;` `|` separate tags in CSV cells, so they cannot appear inside one. */
export const Tag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(/^[^,;|]+$/, 'must not contain , ; or |')

/** Names an import's origin (`chicago-speed`); with `externalId` it is the key for idempotent upserts. */
export const SourceName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - (starting with a letter or digit)')

export const Owner = z.object({
  id: z.string().regex(/^own_[0-9a-z]{26}$/),
  displayName: text(200),
  organisation: optionalText(200),
  email: Email,
  phone: Phone.nullable(),
  postalAddress: optionalText(500),
  preferredContact: ContactPreference,
  /** Owners created by a bulk import (matched by email) are unverified until they sign up themselves. */
  verified: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Owner = z.infer<typeof Owner>

/** What an owner gives at signup or changes later. */
export const OwnerInput = z.object({
  displayName: text(200),
  organisation: optionalText(200).default(null),
  email: Email,
  phone: Phone.nullable().default(null),
  postalAddress: optionalText(500).default(null),
  preferredContact: ContactPreference.default('email'),
})
export type OwnerInput = z.infer<typeof OwnerInput>

/** A change to a profile: OwnerInput's defaults are for signup, so a patch leaves out what it does not name. */
export const OwnerPatch = OwnerInput.extend({
  organisation: OwnerInput.shape.organisation.unwrap(),
  phone: OwnerInput.shape.phone.unwrap(),
  postalAddress: OwnerInput.shape.postalAddress.unwrap(),
  preferredContact: OwnerInput.shape.preferredContact.unwrap(),
}).partial()
export type OwnerPatch = z.infer<typeof OwnerPatch>

/** The fields an owner edits (`rtcc camera add/edit`); everything else about a camera is bookkeeping. */
export const CameraFields = z.object({
  name: text(200),
  latitude: z.number('a number').min(-90, 'out of range').max(90, 'out of range'),
  longitude: z.number('a number').min(-180, 'out of range').max(180, 'out of range'),
  address: optionalText(500),
  locationType: LocationType,
  make: optionalText(100),
  model: optionalText(100),
  viewDescription: optionalText(1000),
  /** Degrees clockwise from true north that the camera looks toward. */
  viewDirection: z.number('a number').min(0, 'out of range').lt(360, 'out of range').nullable(),
  fieldOfView: z.number('a number').min(1, 'out of range').max(360, 'out of range').nullable(),
  records: z.boolean('yes or no'),
  retentionDays: z.number('a number').int('a whole number of days').min(0, 'out of range').max(36_500, 'out of range').nullable(),
  liveCapable: z.boolean('yes or no'),
  tags: z.array(Tag).max(50, 'at most 50 tags'),
})
export type CameraFields = z.infer<typeof CameraFields>

export const CameraPatch = CameraFields.partial()
export type CameraPatch = z.infer<typeof CameraPatch>

/**
 * One camera as bulk files carry it: the fields, its key (`source` + `externalId`), and its owner's
 * contact, matched by email (a new email becomes an unverified owner).
 */
export const CameraInput = CameraFields.extend({
  source: SourceName,
  externalId: text(200),
  ownerEmail: Email,
  ownerName: optionalText(200),
  ownerOrganisation: optionalText(200),
  ownerPhone: Phone.nullable(),
})
export type CameraInput = z.infer<typeof CameraInput>
export type CameraInputField = keyof CameraInput

export const Camera = CameraFields.extend({
  id: z.string().regex(/^cam_[0-9a-z]{26}$/),
  ownerId: z.string().regex(/^own_[0-9a-z]{26}$/),
  source: SourceName,
  externalId: text(200),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Camera = z.infer<typeof Camera>

/** What each import field accepts, in words, for error messages and the reject report. */
export const CAMERA_INPUT_EXPECTED: Record<CameraInputField, string> = {
  source: 'a source name: letters, digits and . _ : - (e.g. chicago-speed)',
  externalId: 'a stable id for this camera within its source',
  name: 'a name, at most 200 characters',
  latitude: 'a latitude in decimal degrees, -90..90',
  longitude: 'a longitude in decimal degrees, -180..180',
  address: 'a postal address, at most 500 characters',
  locationType: `one of ${LOCATION_TYPES.join(', ')}`,
  make: 'a manufacturer name, at most 100 characters',
  model: 'a model name, at most 100 characters',
  viewDescription: 'a description of the view, at most 1000 characters',
  viewDirection: 'degrees clockwise from north, 0-359 (or N, NE, E, SE, S, SW, W, NW)',
  fieldOfView: 'the horizontal field of view in degrees, 1-360',
  records: 'yes or no',
  retentionDays: 'a whole number of days, 0 or more',
  liveCapable: 'yes or no',
  tags: 'tags separated by , ; or |, each at most 64 characters',
  ownerEmail: "the owner's email address, e.g. owner@example.com",
  ownerName: "the owner's name, at most 200 characters",
  ownerOrganisation: "the owner's business or organisation, at most 200 characters",
  ownerPhone: 'a phone number with 7 to 15 digits, e.g. +1 312 555 0100',
}

/** Distances parse in ./units.ts (no zod there, so commands that only parse a radius start fast). */
export {parseDistance} from './units.js'

/** For query strings and bodies: a distance with a unit, or a plain number of metres. */
export const Distance = z.union([
  z.number().positive('greater than zero'),
  z.string().transform((value, ctx) => {
    try {
      return parseDistance(value)
    } catch (error) {
      ctx.addIssue({code: 'custom', message: (error as Error).message})
      return z.NEVER
    }
  }),
])

/** GET /v1/registry/stats: the cameras a caller may see, counted (`rtcc registry stats`). */
export interface RegistryStats {
  cameras: number
  owners: number
  byType: Record<string, number>
  liveCapable: number
  records: number
}
