/** Login sessions and scoped API tokens on PostgreSQL: the same rows as the SQLite reference (sessions.ts). */
import type {SessionRow, TokenRow} from '../sessions.js'
import {all, one, run, type Pg} from './pg.js'

const SESSION_COLUMNS = 'id, user_id, created_at, last_seen_at, expires_at, scope, ended_at'
const TOKEN_COLUMNS = 'id, user_id, name, role_scope, created_at, expires_at, last_used_at, revoked_at'

export async function insertSession(db: Pg, s: Omit<SessionRow, 'ended_at' | 'last_seen_at'> & {tokenHash: Buffer}): Promise<void> {
  await run(
    db,
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, scope) VALUES ($1, $2, $3, $4, $4, $5, $6)`,
    [s.id, s.tokenHash, s.user_id, s.created_at, s.expires_at, s.scope],
  )
}

// The credential lookups run on every API request: named queries.
export function findSessionByHash(db: Pg, tokenHash: Buffer): Promise<SessionRow | undefined> {
  return one<SessionRow>(db, {name: 'session-by-hash', text: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE token_hash = $1`}, [tokenHash])
}

export async function touchSession(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [id, at])
}

export async function endSession(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [id, at])
}

export async function endUserSessions(db: Pg, userId: string, at: string): Promise<void> {
  await run(db, 'UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL', [userId, at])
}

export async function setSessionScope(db: Pg, id: string, scope: SessionRow['scope']): Promise<void> {
  await run(db, 'UPDATE sessions SET scope = $2 WHERE id = $1', [id, scope])
}

export async function insertToken(db: Pg, t: Omit<TokenRow, 'last_used_at' | 'revoked_at'> & {tokenHash: Buffer}): Promise<void> {
  await run(
    db,
    `INSERT INTO api_tokens (id, token_hash, user_id, name, role_scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [t.id, t.tokenHash, t.user_id, t.name, t.role_scope, t.created_at, t.expires_at],
  )
}

export function findTokenByHash(db: Pg, tokenHash: Buffer): Promise<TokenRow | undefined> {
  return one<TokenRow>(db, {name: 'token-by-hash', text: `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`}, [tokenHash])
}

// created_at ties (two tokens in one millisecond) break by id here; SQLite breaks them by insertion order.
export function listTokens(db: Pg, userId?: string): Promise<TokenRow[]> {
  if (userId) return all<TokenRow>(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`, [userId])
  return all<TokenRow>(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`)
}

export function findTokenById(db: Pg, id: string): Promise<TokenRow | undefined> {
  return one<TokenRow>(db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id])
}

export async function touchToken(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at])
}

export async function revokeToken(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at])
}
