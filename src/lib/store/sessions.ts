/** Login sessions and scoped API tokens. Only SHA-256 hashes of the secrets are stored. */
import type {Role} from '../domain/roles.js'
import {credentialColumns, type CredentialWithUser, SESSION_COLUMNS, splitCredentialRow, TOKEN_COLUMNS} from './credential-user.js'
import {cached, type Db} from './db.js'
import {USER_COLUMNS} from './users.js'

export interface SessionRow {
  id: string
  user_id: string
  created_at: string
  last_seen_at: string
  expires_at: string
  scope: 'full' | 'mfa-enroll'
  ended_at: string | null
}

export interface TokenRow {
  id: string
  user_id: string
  name: string
  role_scope: Role
  created_at: string
  expires_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export function insertSession(db: Db, s: Omit<SessionRow, 'ended_at' | 'last_seen_at'> & {tokenHash: Buffer}): void {
  cached(
    db,
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, scope)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(s.id, s.tokenHash, s.user_id, s.created_at, s.created_at, s.expires_at, s.scope)
}

/** The session with this secret's hash and its user (every request's credential check: one statement). */
export function findSessionByHash(db: Db, tokenHash: Buffer): CredentialWithUser<SessionRow> | undefined {
  const sql = `SELECT ${credentialColumns('s', SESSION_COLUMNS)}, ${USER_COLUMNS} FROM sessions s LEFT JOIN users ON users.id = s.user_id WHERE s.token_hash = ?`
  return splitCredentialRow(cached(db, sql).get(tokenHash) as Record<string, unknown> | undefined, SESSION_COLUMNS)
}

export function touchSession(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id)
}

export function endSession(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(at, id)
}

export function endUserSessions(db: Db, userId: string, at: string): void {
  cached(db, 'UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL').run(at, userId)
}

export function setSessionScope(db: Db, id: string, scope: SessionRow['scope']): void {
  cached(db, 'UPDATE sessions SET scope = ? WHERE id = ?').run(scope, id)
}

export function insertToken(db: Db, t: Omit<TokenRow, 'last_used_at' | 'revoked_at'> & {tokenHash: Buffer}): void {
  cached(
    db,
    `INSERT INTO api_tokens (id, token_hash, user_id, name, role_scope, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(t.id, t.tokenHash, t.user_id, t.name, t.role_scope, t.created_at, t.expires_at)
}

const TOKEN_SELECT = `SELECT ${TOKEN_COLUMNS.join(', ')} FROM api_tokens`

/** The API token with this secret's hash and its user (one statement, as for sessions). */
export function findTokenByHash(db: Db, tokenHash: Buffer): CredentialWithUser<TokenRow> | undefined {
  const sql = `SELECT ${credentialColumns('t', TOKEN_COLUMNS)}, ${USER_COLUMNS} FROM api_tokens t LEFT JOIN users ON users.id = t.user_id WHERE t.token_hash = ?`
  return splitCredentialRow(cached(db, sql).get(tokenHash) as Record<string, unknown> | undefined, TOKEN_COLUMNS)
}

export function listTokens(db: Db, userId?: string): TokenRow[] {
  if (userId) return cached(db, `${TOKEN_SELECT} WHERE user_id = ? ORDER BY created_at`).all(userId) as TokenRow[]
  return cached(db, `${TOKEN_SELECT} ORDER BY created_at`).all() as TokenRow[]
}

export function findTokenById(db: Db, id: string): TokenRow | undefined {
  return cached(db, `${TOKEN_SELECT} WHERE id = ?`).get(id) as TokenRow | undefined
}

export function touchToken(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id)
}

export function revokeToken(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id)
}
