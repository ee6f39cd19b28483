/** Roles (DESIGN.md security model). Agency roles form a ladder; installer and owner stand apart. */
import {z} from 'zod'

export const ROLES = ['admin', 'supervisor', 'investigator', 'analyst', 'installer', 'owner'] as const
export const Role = z.enum(ROLES)
export type Role = z.infer<typeof Role>

export const AGENCY_ROLES: readonly Role[] = ['admin', 'supervisor', 'investigator', 'analyst', 'installer']

const LADDER: readonly Role[] = ['analyst', 'investigator', 'supervisor', 'admin']

/** Roles an API token created by `role` may be scoped to: never more than the creator holds. */
export function grantableScopes(role: Role): Role[] {
  const rung = LADDER.indexOf(role)
  return rung >= 0 ? LADDER.slice(0, rung + 1).reverse() : [role]
}

/** Route role sets, named for what they allow. */
export const READ_REGISTRY: Role[] = ['admin', 'supervisor', 'investigator', 'analyst']
export const AUDIT_READERS: Role[] = ['admin', 'supervisor']
export const ADMINS: Role[] = ['admin']
export const ANY_ROLE: Role[] = [...ROLES]

export const isAgencyRole = (role: Role): boolean => AGENCY_ROLES.includes(role)
