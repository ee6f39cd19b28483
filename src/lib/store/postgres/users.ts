/**
 * Users, failed logins and lockouts on PostgreSQL: the same rows as the SQLite reference (users.ts).
 * Names match in any ASCII letter case, as SQLite's NOCASE does: lower() on both sides, served by the
 * lower(name) indexes.
 */
import {newId} from '../../domain/ids.js'
import type {Role} from '../../domain/roles.js'
import type {UserPatch, UserRow} from '../users.js'
import {all, one, run, type Pg} from './pg.js'

const COLUMNS = ['id', 'username', 'display_name', 'role', 'password_hash', 'disabled', 'locked_at', 'mfa_secret', 'mfa_pending_secret', 'mfa_required', 'mfa_last_step', 'agency_id', 'created_at', 'updated_at']
/** A user's columns and name lockout, from the table named `users` (credential lookups join it). */
export const USER_COLUMNS = `${COLUMNS.map((c) => `users.${c}`).join(', ')}, (SELECT until FROM login_lockouts WHERE lower(name) = lower(users.username)) AS locked_until`
const SELECT_USER = `SELECT ${USER_COLUMNS} FROM users`

/** The columns updateUser may set: the patch's keys are checked against them, never spliced in blind. */
const PATCHABLE = new Set<string>(['role', 'agency_id', 'disabled', 'locked_at', 'mfa_secret', 'mfa_pending_secret', 'mfa_required', 'mfa_last_step', 'password_hash'])

export async function countUsers(db: Pg): Promise<number> {
  return (await one<{n: number}>(db, 'SELECT count(*)::int AS n FROM users'))!.n
}

export async function insertUser(db: Pg, user: {username: string; role: Role; passwordHash: string; displayName?: string; agencyId?: string | null}): Promise<UserRow> {
  const now = new Date().toISOString()
  const id = newId(user.role === 'owner' ? 'own' : 'usr')
  await run(
    db,
    `INSERT INTO users (id, username, display_name, role, password_hash, agency_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
    [id, user.username, user.displayName ?? null, user.role, user.passwordHash, user.agencyId ?? null, now],
  )
  return (await findUserById(db, id))!
}

export function findUserByName(db: Pg, username: string): Promise<UserRow | undefined> {
  return one<UserRow>(db, `${SELECT_USER} WHERE lower(username) = lower($1)`, [username])
}

/** Named: every API request's credential check reads its user. */
export function findUserById(db: Pg, id: string): Promise<UserRow | undefined> {
  return one<UserRow>(db, {name: 'user-by-id', text: `${SELECT_USER} WHERE id = $1`}, [id])
}

export function listUsers(db: Pg, filter: {role?: Role} = {}): Promise<UserRow[]> {
  if (filter.role) return all<UserRow>(db, `${SELECT_USER} WHERE role = $1 ORDER BY lower(username)`, [filter.role])
  return all<UserRow>(db, `${SELECT_USER} ORDER BY lower(username)`)
}

export async function updateUser(db: Pg, id: string, patch: UserPatch): Promise<void> {
  const keys = Object.keys(patch) as (keyof UserPatch)[]
  if (keys.length === 0) return
  for (const key of keys) if (!PATCHABLE.has(key)) throw new TypeError(`updateUser: no column ${String(key)}`)
  const sets = keys.map((key, i) => `${key} = $${i + 3}`).join(', ')
  await run(db, `UPDATE users SET ${sets}, updated_at = $2 WHERE id = $1`, [id, new Date().toISOString(), ...keys.map((key) => patch[key] ?? null)])
}

export async function deleteUser(db: Pg, id: string): Promise<void> {
  await run(db, 'DELETE FROM users WHERE id = $1', [id])
}

/**
 * Spends a TOTP time step: true if it is later than the account's last one (which it becomes). A second
 * login with the same code waits on the row lock of the first, then finds the step spent.
 */
export async function spendTotpStep(db: Pg, id: string, step: number): Promise<boolean> {
  const changed = await run(db, 'UPDATE users SET mfa_last_step = $2, updated_at = $3 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)', [
    id,
    step,
    new Date().toISOString(),
  ])
  return changed === 1
}

/**
 * Records a failed login for a name, forgetting failures older than `since` and ended lockouts (of every
 * name). Failures of one name are counted one transaction at a time (a transaction-scoped advisory lock
 * on the name), so concurrent failures cannot each count short of the limit.
 */
export async function recordLoginFailure(db: Pg, name: string, at: Date, since: Date): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('rtcc.login:' || lower($1)))`, [name])
  await run(db, 'DELETE FROM login_attempts WHERE at < $1', [since.toISOString()])
  await run(db, 'DELETE FROM login_lockouts WHERE until <= $1', [at.toISOString()])
  await run(db, 'INSERT INTO login_attempts (name, at) VALUES ($1, $2)', [name, at.toISOString()])
}

export async function recentLoginFailures(db: Pg, name: string, since: Date): Promise<number> {
  return (await one<{n: number}>(db, 'SELECT count(*)::int AS n FROM login_attempts WHERE lower(name) = lower($1) AND at >= $2', [name, since.toISOString()]))!.n
}

export async function clearLoginFailures(db: Pg, name: string): Promise<void> {
  await run(db, 'DELETE FROM login_attempts WHERE lower(name) = lower($1)', [name])
}

/** Starts a lockout for a name; its failures so far are spent. */
export async function lockName(db: Pg, name: string, until: Date): Promise<void> {
  await clearLoginFailures(db, name)
  await run(db, 'INSERT INTO login_lockouts (name, until) VALUES ($1, $2) ON CONFLICT ((lower(name))) DO UPDATE SET until = excluded.until', [name, until.toISOString()])
}

/** The end of the name's lockout if it is still running. */
export async function lockedUntil(db: Pg, name: string, now: Date): Promise<string | undefined> {
  return (await one<{until: string}>(db, 'SELECT until FROM login_lockouts WHERE lower(name) = lower($1) AND until > $2', [name, now.toISOString()]))?.until
}

/** Ends a name's lockout and forgets its failures (successful login, or an unlock). */
export async function clearLockout(db: Pg, name: string): Promise<void> {
  await clearLoginFailures(db, name)
  await run(db, 'DELETE FROM login_lockouts WHERE lower(name) = lower($1)', [name])
}

/** Every user with a stored TOTP secret, active or pending (for sealing plain ones left by older versions). */
export function listMfaSecrets(db: Pg): Promise<Pick<UserRow, 'id' | 'mfa_secret' | 'mfa_pending_secret'>[]> {
  return all(db, 'SELECT id, mfa_secret, mfa_pending_secret FROM users WHERE mfa_secret IS NOT NULL OR mfa_pending_secret IS NOT NULL ORDER BY id')
}

/**
 * Replaces stored TOTP secrets with their sealed versions. PostgreSQL databases start with this version,
 * which never stores a plain secret: this is here so both backends answer the same calls.
 */
export async function replaceMfaSecrets(db: Pg, rows: Pick<UserRow, 'id' | 'mfa_secret' | 'mfa_pending_secret'>[]): Promise<void> {
  for (const row of rows) await updateUser(db, row.id, {mfa_secret: row.mfa_secret, mfa_pending_secret: row.mfa_pending_secret})
}
