/** Users, login failures and lockout. */
import type {UserView} from '../domain/auth.js'
import {newId} from '../domain/ids.js'
import type {Role} from '../domain/roles.js'
import type {Db} from './db.js'

export interface UserRow {
  id: string
  username: string
  display_name: string | null
  role: Role
  password_hash: string
  disabled: number
  locked_at: string | null
  mfa_secret: string | null
  mfa_pending_secret: string | null
  mfa_required: number
  agency_id: string | null
  created_at: string
  updated_at: string
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled === 1,
    locked: row.locked_at !== null,
    mfaEnabled: row.mfa_secret !== null,
    mfaRequired: row.mfa_required === 1,
    agencyId: row.agency_id,
    createdAt: row.created_at,
  }
}

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as {n: number}).n
}

export function insertUser(db: Db, user: {username: string; role: Role; passwordHash: string; displayName?: string; agencyId?: string | null}): UserRow {
  const now = new Date().toISOString()
  const id = newId(user.role === 'owner' ? 'own' : 'usr')
  db.prepare(
    `INSERT INTO users (id, username, display_name, role, password_hash, agency_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, user.username, user.displayName ?? null, user.role, user.passwordHash, user.agencyId ?? null, now, now)
  return findUserById(db, id)!
}

export function findUserByName(db: Db, username: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined
}

export function findUserById(db: Db, id: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined
}

export function listUsers(db: Db, filter: {role?: Role} = {}): UserRow[] {
  if (filter.role) return db.prepare('SELECT * FROM users WHERE role = ? ORDER BY username').all(filter.role) as UserRow[]
  return db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]
}

type UserPatch = Partial<Pick<UserRow, 'role' | 'agency_id' | 'disabled' | 'locked_at' | 'mfa_secret' | 'mfa_pending_secret' | 'mfa_required' | 'password_hash'>>

export function updateUser(db: Db, id: string, patch: UserPatch): void {
  const keys = Object.keys(patch) as (keyof UserPatch)[]
  if (keys.length === 0) return
  const sets = keys.map((k) => `${k} = @${k}`).join(', ')
  db.prepare(`UPDATE users SET ${sets}, updated_at = @updated_at WHERE id = @id`).run({...patch, id, updated_at: new Date().toISOString()})
}

export function deleteUser(db: Db, id: string): void {
  db.prepare('DELETE FROM users WHERE id = ?').run(id)
}

export function recordLoginFailure(db: Db, userId: string, at: Date): void {
  db.prepare('INSERT INTO login_failures (user_id, at) VALUES (?, ?)').run(userId, at.toISOString())
}

export function recentLoginFailures(db: Db, userId: string, since: Date): number {
  const row = db.prepare('SELECT count(*) AS n FROM login_failures WHERE user_id = ? AND at >= ?').get(userId, since.toISOString())
  return (row as {n: number}).n
}

export function clearLoginFailures(db: Db, userId: string): void {
  db.prepare('DELETE FROM login_failures WHERE user_id = ?').run(userId)
}
