/** Which part of the registry an actor may see: owners their own cameras, agency users their jurisdiction. */
import {getAgency} from '../store/agencies.js'
import type {CameraScope} from '../store/cameras.js'
import {ownerForUser} from '../store/owners.js'
import type {Store} from '../store/store.js'
import type {Actor, ServerContext} from './context.js'
import {forbidden} from './http-error.js'

/**
 * Agency users see the cameras inside their agency's jurisdiction. A user in no agency sees the whole
 * registry: that is a platform admin, or any user of a single-agency server that defines no agencies.
 */
export function cameraScope(ctx: ServerContext, actor: Actor): CameraScope {
  if (actor.role === 'owner') {
    const owner = ownerForUser(ctx.db, actor.user.id)
    if (!owner) throw forbidden('this owner account has no profile')
    return {kind: 'owner', ownerId: owner.id}
  }
  if (!actor.user.agency_id) return {kind: 'all'}
  const agency = getAgency(ctx.db, actor.user.agency_id)
  if (!agency) throw forbidden('your agency no longer exists; ask an admin')
  return {kind: 'agency', agency}
}

/** cameraScope() through the store: what services use. */
export async function registryScope(ctx: {store: Store}, actor: Actor): Promise<CameraScope> {
  if (actor.role === 'owner') {
    const owner = await ctx.store.owners.ownerForUser(actor.user.id)
    if (!owner) throw forbidden('this owner account has no profile')
    return {kind: 'owner', ownerId: owner.id}
  }
  if (!actor.user.agency_id) return {kind: 'all'}
  const agency = await ctx.store.agencies.getAgency(actor.user.agency_id)
  if (!agency) throw forbidden('your agency no longer exists; ask an admin')
  return {kind: 'agency', agency}
}
