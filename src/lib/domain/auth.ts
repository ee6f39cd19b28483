/** API bodies for identity and access: the single source of truth for server validation and client types. */
import {z} from 'zod'

import {Role} from './roles.js'

export const Username = z
  .string()
  .min(2, 'at least 2 characters')
  .max(64, 'at most 64 characters')
  .regex(/^[a-zA-Z0-9._@-]+$/, 'letters, digits and . _ @ - only')

export const LoginBody = z.object({
  username: Username,
  password: z.string().min(1).max(1024),
  otp: z.string().regex(/^\d{6}$/, 'a 6-digit code').optional(),
})

export const CreateUserBody = z.object({
  username: Username,
  password: z.string().max(1024),
  role: Role,
  displayName: z.string().max(200).optional(),
  /** Agency name or id (agency roles only). */
  agency: z.string().max(200).optional(),
})

export const SetAgencyBody = z.object({agency: z.string().max(200).nullable()})

export const SetRoleBody = z.object({role: Role})
export const OtpBody = z.object({otp: z.string().regex(/^\d{6}$/, 'a 6-digit code')})
export const RequireMfaBody = z.object({required: z.boolean()})

export const CreateTokenBody = z.object({
  name: z.string().min(1).max(100),
  roleScope: Role.optional(),
  expiresInSeconds: z.number().int().min(60).max(400 * 86_400),
})

export interface UserView {
  id: string
  username: string
  displayName: string | null
  role: Role
  disabled: boolean
  locked: boolean
  mfaEnabled: boolean
  mfaRequired: boolean
  /** The agency whose jurisdiction bounds what this user sees; null: the whole registry. */
  agencyId: string | null
  createdAt: string
}

export interface SessionView {
  token: string
  expiresAt: string
  idleTimeoutSeconds: number
  user: UserView
  /** Set when the admin requires MFA and the user has not enrolled: only `mfa enroll` works. */
  mfaEnrollmentRequired: boolean
}

export interface WhoAmI {
  user: UserView
  via: 'session' | 'token' | 'device'
  role: Role
  tokenName?: string
  expiresAt: string
}

export interface TokenView {
  id: string
  name: string
  roleScope: Role
  createdAt: string
  expiresAt: string
  lastUsedAt: string | null
  revoked: boolean
}
