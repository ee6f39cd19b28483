/**
 * Users, failed logins and lockouts. Failed logins and the timed lockout they cause are kept per name
 * as typed, whether or not an account has it, so a lockout does not reveal which names exist;
 * `locked_at` is an admin's lock, which lasts until an admin (or `rtcc server unlock`) lifts it.
 */
import type {UserView} from '../domain/auth.js'
import {newId} from '../domain/ids.js'
import type {Role} from '../domain/roles.js'
import {cached, type Db} from './db.js'

export interface UserRow {
  id: string
  username: string
  display_name: string | null
  role: Role
  password_hash: string
  disabled: number
  /** Set by an admin (`rtcc user lock`): refused until unlocked, credentials included. */
  locked_at: string | null
  /** End of the lockout after failed logins, if any (joined from login_lockouts; may be in the past). */
  locked_until: string | null
  /** Sealed (server/mfa.ts), never plain. */
  mfa_secret: string | null
  mfa_pending_secret: string | null
  mfa_required: number
  /** The last TOTP time step accepted: a code at or before it is refused. */
  mfa_last_step: number | null
  agency_id: string | null
  created_at: string
  updated_at: string
}

export function toUserView(row: UserRow, now = new Date()): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled === 1,
    locked: row.locked_at !== null || (row.locked_until !== null && row.locked_until > now.toISOString()),
    mfaEnabled: row.mfa_secret !== null,
    mfaRequired: row.mfa_required === 1,
    agencyId: row.agency_id,
    createdAt: row.created_at,
  }
}

export function countUsers(db: Db): number {
  return (cached(db, 'SELECT count(*) AS n FROM users').get() as {n: number}).n
}

export function insertUser(db: Db, user: {username: string; role: Role; passwordHash: string; displayName?: string; agencyId?: string | null}): UserRow {
  const now = new Date().toISOString()
  const id = newId(user.role === 'owner' ? 'own' : 'usr')
  cached(
    db,
    `INSERT INTO users (id, username, display_name, role, password_hash, agency_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, user.username, user.displayName ?? null, user.role, user.passwordHash, user.agencyId ?? null, now, now)
  return findUserById(db, id)!
}

/** A user's columns and name lockout, from the table named `users` (credential lookups join it). */
export const USER_COLUMNS = 'users.*, (SELECT until FROM login_lockouts WHERE name = users.username) AS locked_until'
const SELECT_USER = `SELECT ${USER_COLUMNS} FROM users`

export function findUserByName(db: Db, username: string): UserRow | undefined {
  return cached(db, `${SELECT_USER} WHERE username = ?`).get(username) as UserRow | undefined
}

export function findUserById(db: Db, id: string): UserRow | undefined {
  return cached(db, `${SELECT_USER} WHERE id = ?`).get(id) as UserRow | undefined
}

export function listUsers(db: Db, filter: {role?: Role} = {}): UserRow[] {
  if (filter.role) return cached(db, `${SELECT_USER} WHERE role = ? ORDER BY username`).all(filter.role) as UserRow[]
  return cached(db, `${SELECT_USER} ORDER BY username`).all() as UserRow[]
}

export type UserPatch = Partial<
  Pick<UserRow, 'role' | 'agency_id' | 'disabled' | 'locked_at' | 'mfa_secret' | 'mfa_pending_secret' | 'mfa_required' | 'mfa_last_step' | 'password_hash'>
>

export function updateUser(db: Db, id: string, patch: UserPatch): void {
  const keys = Object.keys(patch) as (keyof UserPatch)[]
  if (keys.length === 0) return
  const sets = keys.map((k) => `${k} = @${k}`).join(', ')
  db.prepare(`UPDATE users SET ${sets}, updated_at = @updated_at WHERE id = @id`).run({...patch, id, updated_at: new Date().toISOString()})
}

export function deleteUser(db: Db, id: string): void {
  cached(db, 'DELETE FROM users WHERE id = ?').run(id)
}

/**
 * Spends a TOTP time step: true if it is later than the account's last one (which it becomes), false if
 * a login already spent it or a later one. One statement, so two logins with one code cannot both pass.
 */
export function spendTotpStep(db: Db, id: string, step: number): boolean {
  const result = cached(db, 'UPDATE users SET mfa_last_step = ?, updated_at = ? WHERE id = ? AND (mfa_last_step IS NULL OR mfa_last_step < ?)')
    .run(step, new Date().toISOString(), id, step)
  return result.changes === 1
}

/** Records a failed login for a name, forgetting failures older than `since` and ended lockouts (of every name). */
export function recordLoginFailure(db: Db, name: string, at: Date, since: Date): void {
  cached(db, 'DELETE FROM login_attempts WHERE at < ?').run(since.toISOString())
  cached(db, 'DELETE FROM login_lockouts WHERE until <= ?').run(at.toISOString())
  cached(db, 'INSERT INTO login_attempts (name, at) VALUES (?, ?)').run(name, at.toISOString())
}

export function recentLoginFailures(db: Db, name: string, since: Date): number {
  const row = cached(db, 'SELECT count(*) AS n FROM login_attempts WHERE name = ? AND at >= ?').get(name, since.toISOString())
  return (row as {n: number}).n
}

export function clearLoginFailures(db: Db, name: string): void {
  cached(db, 'DELETE FROM login_attempts WHERE name = ?').run(name)
}

/** Starts a lockout for a name; its failures so far are spent. */
export function lockName(db: Db, name: string, until: Date): void {
  clearLoginFailures(db, name)
  cached(db, 'INSERT INTO login_lockouts (name, until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET until = excluded.until').run(name, until.toISOString())
}

/** The end of the name's lockout if it is still running. */
export function lockedUntil(db: Db, name: string, now: Date): string | undefined {
  const row = cached(db, 'SELECT until FROM login_lockouts WHERE name = ? AND until > ?').get(name, now.toISOString()) as {until: string} | undefined
  return row?.until
}

/** Ends a name's lockout and forgets its failures (successful login, or an unlock). */
export function clearLockout(db: Db, name: string): void {
  clearLoginFailures(db, name)
  cached(db, 'DELETE FROM login_lockouts WHERE name = ?').run(name)
}

/** Every user with a stored TOTP secret, active or pending (for sealing plain ones left by older versions). */
export function listMfaSecrets(db: Db): Pick<UserRow, 'id' | 'mfa_secret' | 'mfa_pending_secret'>[] {
  return cached(db, 'SELECT id, mfa_secret, mfa_pending_secret FROM users WHERE mfa_secret IS NOT NULL OR mfa_pending_secret IS NOT NULL').all() as Pick<
    UserRow,
    'id' | 'mfa_secret' | 'mfa_pending_secret'
  >[]
}

/**
 * Replaces stored TOTP secrets (sealed versions of plain ones left by older versions) so that no plain
 * copy stays in the database files: deleted content is zeroed (secure_delete) and the WAL truncated.
 * Call it outside any transaction (the WAL checkpoint cannot run inside one).
 */
export function replaceMfaSecrets(db: Db, rows: Pick<UserRow, 'id' | 'mfa_secret' | 'mfa_pending_secret'>[]): void {
  if (rows.length === 0) return
  const secureDelete = db.pragma('secure_delete', {simple: true})
  db.pragma('secure_delete = ON')
  try {
    db.transaction(() => {
      for (const row of rows) updateUser(db, row.id, {mfa_secret: row.mfa_secret, mfa_pending_secret: row.mfa_pending_secret})
    })()
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.pragma(`secure_delete = ${Number(secureDelete)}`)
  }
}
