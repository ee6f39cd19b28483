/** Owner profiles on PostgreSQL (see ../owners.ts). */
import type {Owner, OwnerInput} from '../../domain/camera.js'
import {newId} from '../../domain/ids.js'
import {toOwner, type OwnerRow} from '../owners.js'
import {all, one, run, type Pg} from './pg.js'


export async function insertOwner(db: Pg, input: OwnerInput, options: {id?: string; userId?: string | null; verified: boolean}): Promise<Owner> {
  const now = new Date().toISOString()
  const row = await one<OwnerRow>(
    db,
    `INSERT INTO owners (id, user_id, display_name, organisation, email, phone, postal_address, preferred_contact, verified, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
    [options.id ?? newId('own'), options.userId ?? null, input.displayName, input.organisation, input.email, input.phone, input.postalAddress, input.preferredContact, options.verified ? 1 : 0, now],
  )
  return toOwner(row!)
}

export async function getOwner(db: Pg, id: string): Promise<Owner | undefined> {
  const row = await one<OwnerRow>(db, 'SELECT * FROM owners WHERE id = $1', [id])
  return row && toOwner(row)
}

export async function ownerForUser(db: Pg, userId: string): Promise<Owner | undefined> {
  const row = await one<OwnerRow>(db, 'SELECT * FROM owners WHERE user_id = $1', [userId])
  return row && toOwner(row)
}

export async function updateOwner(db: Pg, id: string, input: Partial<OwnerInput>): Promise<Owner> {
  const next = {...(await getOwner(db, id))!, ...input}
  const row = await one<OwnerRow>(
    db,
    `UPDATE owners SET display_name = $1, organisation = $2, email = $3, phone = $4, postal_address = $5, preferred_contact = $6, updated_at = $7
     WHERE id = $8 RETURNING *`,
    [next.displayName, next.organisation, next.email, next.phone, next.postalAddress, next.preferredContact, new Date().toISOString(), id],
  )
  return toOwner(row!)
}

/** Deletes the profile and, by cascade, its cameras. */
export async function deleteOwner(db: Pg, id: string): Promise<void> {
  await run(db, 'DELETE FROM owners WHERE id = $1', [id])
}

export async function countOwners(db: Pg): Promise<number> {
  return (await all<{n: number}>(db, 'SELECT count(*)::int AS n FROM owners'))[0]!.n
}
