/** Login sessions and scoped API tokens. Only SHA-256 hashes of the secrets are stored. */
import type {Role} from '../domain/roles.js'
import {cached, type Db} from './db.js'

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

export function findSessionByHash(db: Db, tokenHash: Buffer): SessionRow | undefined {
  return cached(db, 'SELECT id, user_id, created_at, last_seen_at, expires_at, scope, ended_at FROM sessions WHERE token_hash = ?').get(tokenHash) as
    | SessionRow
    | undefined
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

const TOKEN_COLUMNS = 'id, user_id, name, role_scope, created_at, expires_at, last_used_at, revoked_at'

export function findTokenByHash(db: Db, tokenHash: Buffer): TokenRow | undefined {
  return cached(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?`).get(tokenHash) as TokenRow | undefined
}

export function listTokens(db: Db, userId?: string): TokenRow[] {
  if (userId) return cached(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY created_at`).all(userId) as TokenRow[]
  return cached(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at`).all() as TokenRow[]
}

export function findTokenById(db: Db, id: string): TokenRow | undefined {
  return cached(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`).get(id) as TokenRow | undefined
}

export function touchToken(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id)
}

export function revokeToken(db: Db, id: string, at: string): void {
  cached(db, 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id)
}
