/**
 * A credential (session or API token) read with its user's row in one query: every API request checks
 * both, and one statement instead of two halves that fixed cost. The query names the credential's
 * columns `cred_<column>` beside the user's own; a missing account leaves the user's columns null.
 * Shared by both backends (no driver here).
 */
import type {SessionRow, TokenRow} from './sessions.js'
import type {UserRow} from './users.js'

export const SESSION_COLUMNS = ['id', 'user_id', 'created_at', 'last_seen_at', 'expires_at', 'scope', 'ended_at'] as const satisfies readonly (keyof SessionRow)[]
export const TOKEN_COLUMNS = ['id', 'user_id', 'name', 'role_scope', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const satisfies readonly (keyof TokenRow)[]

export interface CredentialWithUser<C> {
  credential: C
  /** Undefined when the account behind the credential no longer exists. */
  user: UserRow | undefined
}

/** `cred_id AS ...`: the select list for a credential table aliased `alias`. */
export const credentialColumns = (alias: string, columns: readonly string[]) => columns.map((c) => `${alias}.${c} AS cred_${c}`).join(', ')

export function splitCredentialRow<C>(row: Record<string, unknown> | undefined, columns: readonly string[]): CredentialWithUser<C> | undefined {
  if (!row) return undefined
  const credential: Record<string, unknown> = {}
  for (const c of columns) credential[c] = row[`cred_${c}`]
  const user: Record<string, unknown> = {}
  for (const key in row) if (!key.startsWith('cred_')) user[key] = row[key]
  return {credential: credential as C, user: user.id === null || user.id === undefined ? undefined : (user as unknown as UserRow)}
}
