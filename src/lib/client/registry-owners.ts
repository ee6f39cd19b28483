/**
 * Owner self-service (`rtcc owner signup|show|edit|delete`). Signup pins the server's certificate the
 * way `rtcc login` does, creates the account and its profile, then logs the new owner in.
 */
import type {UserView} from '../domain/auth.js'
import {type Owner, OwnerInput, OwnerPatch} from '../domain/camera.js'
import {usageError} from '../errors.js'
import {ApiClient} from './api.js'
import {login, type LoginOptions, type LoginResult, pinServer} from './login.js'
import {forgetToken, profileName} from './profiles.js'

/** Profile flags as the commands take them; a blank string clears an optional field on `edit`. */
export interface OwnerFlags {
  name?: string
  organisation?: string
  email?: string
  phone?: string
  address?: string
  contact?: string
}

const FLAG_FOR_FIELD: Record<keyof OwnerInput, string> = {
  displayName: '--name', organisation: '--organisation', email: '--email', phone: '--phone', postalAddress: '--address', preferredContact: '--contact',
}

const text = (value: string | undefined) => (value === undefined ? undefined : value.trim() === '' ? null : value.trim())

function ownerFields(flags: OwnerFlags): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    displayName: flags.name,
    organisation: text(flags.organisation),
    email: flags.email,
    phone: text(flags.phone),
    postalAddress: text(flags.address),
    preferredContact: flags.contact,
  }
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key]
  return fields
}

function checked<T>(result: {success: true; data: T} | {success: false; error: {issues: {path: PropertyKey[]; message: string}[]}}): T {
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path[0] as keyof OwnerInput
  throw usageError(`${FLAG_FOR_FIELD[field] ?? String(field)}: ${issue.message}`, 'See --help for what each flag accepts.')
}

export const ownerProfileFromFlags = (flags: OwnerFlags): OwnerInput => checked(OwnerInput.safeParse(ownerFields(flags)))
export const ownerPatchFromFlags = (flags: OwnerFlags): OwnerPatch => checked(OwnerPatch.safeParse(ownerFields(flags)))

export interface SignupOptions {
  url: string
  username: string
  password: string
  profile: OwnerInput
  /** Config profile to save the new login under. */
  configProfile?: string
  fingerprint?: string
  confirmTrust?: LoginOptions['confirmTrust']
}

export interface SignupResult {
  user: UserView
  owner: Owner
  login: LoginResult
}

export async function signupOwner(options: SignupOptions): Promise<SignupResult> {
  const url = new URL(options.url).origin
  const {pin} = await pinServer(url, options.fingerprint, options.confirmTrust)
  const created = await new ApiClient({baseUrl: url, pin}).post<{user: UserView; owner: Owner}>('/v1/owners/signup', {
    username: options.username,
    password: options.password,
    profile: options.profile,
  })
  // The certificate was just trusted (or checked): log in against that same fingerprint without asking again.
  const session = await login({url, profile: options.configProfile, username: options.username, password: options.password, fingerprint: pin.fingerprint})
  return {...created, login: session}
}

export const myProfile = (api: ApiClient): Promise<Owner> => api.get<Owner>('/v1/owners/me')

export function editMyProfile(api: ApiClient, patch: OwnerPatch): Promise<Owner> {
  if (Object.keys(patch).length === 0) throw usageError('nothing to change', 'Pass at least one flag, e.g. --phone or --email.')
  return api.patch<Owner>('/v1/owners/me', patch)
}

export interface OwnerDeleted {
  deleted: true
  ownerId: string
  camerasDeleted: number
}

/** Deletes the profile, its cameras and the account for good, then forgets the profile's (now dead) session. */
export async function deleteMyProfile(api: ApiClient, configProfile?: string): Promise<OwnerDeleted> {
  const result = await api.delete<OwnerDeleted>('/v1/owners/me')
  forgetToken(profileName(configProfile))
  return result
}
