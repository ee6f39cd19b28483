/** Login sessions and scoped API tokens on PostgreSQL: the same rows as the SQLite reference (sessions.ts). */
import {credentialColumns, type CredentialWithUser, SESSION_COLUMNS, splitCredentialRow, TOKEN_COLUMNS} from '../credential-user.js'
import type {SessionRow, TokenRow} from '../sessions.js'
import {all, one, run, type Pg} from './pg.js'
import {USER_COLUMNS} from './users.js'

const TOKEN_SELECT = `SELECT ${TOKEN_COLUMNS.join(', ')} FROM api_tokens`

export async function insertSession(db: Pg, s: Omit<SessionRow, 'ended_at' | 'last_seen_at'> & {tokenHash: Buffer}): Promise<void> {
  await run(
    db,
    `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, scope) VALUES ($1, $2, $3, $4, $4, $5, $6)`,
    [s.id, s.tokenHash, s.user_id, s.created_at, s.expires_at, s.scope],
  )
}

// The credential lookups run on every API request: named queries, each with its user's row.
export async function findSessionByHash(db: Pg, tokenHash: Buffer): Promise<CredentialWithUser<SessionRow> | undefined> {
  const text = `SELECT ${credentialColumns('s', SESSION_COLUMNS)}, ${USER_COLUMNS} FROM sessions s LEFT JOIN users ON users.id = s.user_id WHERE s.token_hash = $1`
  return splitCredentialRow(await one(db, {name: 'session-with-user', text}, [tokenHash]), SESSION_COLUMNS)
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

export async function findTokenByHash(db: Pg, tokenHash: Buffer): Promise<CredentialWithUser<TokenRow> | undefined> {
  const text = `SELECT ${credentialColumns('t', TOKEN_COLUMNS)}, ${USER_COLUMNS} FROM api_tokens t LEFT JOIN users ON users.id = t.user_id WHERE t.token_hash = $1`
  return splitCredentialRow(await one(db, {name: 'token-with-user', text}, [tokenHash]), TOKEN_COLUMNS)
}

// created_at ties (two tokens in one millisecond) break by id here; SQLite breaks them by insertion order.
export function listTokens(db: Pg, userId?: string): Promise<TokenRow[]> {
  if (userId) return all<TokenRow>(db, `${TOKEN_SELECT} WHERE user_id = $1 ORDER BY created_at, id`, [userId])
  return all<TokenRow>(db, `${TOKEN_SELECT} ORDER BY created_at, id`)
}

export function findTokenById(db: Pg, id: string): Promise<TokenRow | undefined> {
  return one<TokenRow>(db, `${TOKEN_SELECT} WHERE id = $1`, [id])
}

export async function touchToken(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at])
}

export async function revokeToken(db: Pg, id: string, at: string): Promise<void> {
  await run(db, 'UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at])
}
