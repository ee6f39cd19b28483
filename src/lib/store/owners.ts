/** Owner profiles: one per owner account (signup), or unverified ones created by bulk imports (by email). */
import type {Owner, OwnerInput} from '../domain/camera.js'
import {newId} from '../domain/ids.js'
import type {Db} from './db.js'

export interface OwnerRow {
  id: string
  user_id: string | null
  display_name: string
  organisation: string | null
  email: string
  phone: string | null
  postal_address: string | null
  preferred_contact: Owner['preferredContact']
  verified: number
  created_at: string
  updated_at: string
}

export const toOwner = (row: OwnerRow): Owner => ({
  id: row.id,
  displayName: row.display_name,
  organisation: row.organisation,
  email: row.email,
  phone: row.phone,
  postalAddress: row.postal_address,
  preferredContact: row.preferred_contact,
  verified: row.verified === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/** An owner profile for a signed-up account shares the account's id (`own_…`). */
export function insertOwner(db: Db, input: OwnerInput, options: {id?: string; userId?: string | null; verified: boolean}): Owner {
  const now = new Date().toISOString()
  const id = options.id ?? newId('own')
  db.prepare(
    `INSERT INTO owners (id, user_id, display_name, organisation, email, phone, postal_address, preferred_contact, verified, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, options.userId ?? null, input.displayName, input.organisation, input.email, input.phone, input.postalAddress, input.preferredContact, options.verified ? 1 : 0, now, now)
  return getOwner(db, id)!
}

export function getOwner(db: Db, id: string): Owner | undefined {
  const row = db.prepare('SELECT * FROM owners WHERE id = ?').get(id) as OwnerRow | undefined
  return row && toOwner(row)
}

export function ownerForUser(db: Db, userId: string): Owner | undefined {
  const row = db.prepare('SELECT * FROM owners WHERE user_id = ?').get(userId) as OwnerRow | undefined
  return row && toOwner(row)
}

export function updateOwner(db: Db, id: string, input: Partial<OwnerInput>): Owner {
  const current = getOwner(db, id)!
  const next = {...current, ...input}
  db.prepare(
    `UPDATE owners SET display_name = ?, organisation = ?, email = ?, phone = ?, postal_address = ?, preferred_contact = ?, updated_at = ? WHERE id = ?`,
  ).run(next.displayName, next.organisation, next.email, next.phone, next.postalAddress, next.preferredContact, new Date().toISOString(), id)
  return getOwner(db, id)!
}

/** Deletes the profile and, by cascade, its cameras. */
export function deleteOwner(db: Db, id: string): void {
  db.prepare('DELETE FROM owners WHERE id = ?').run(id)
}

export function countOwners(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM owners').get() as {n: number}).n
}
