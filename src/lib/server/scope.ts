/** Which part of the registry an actor may see: owners their own cameras, agency users their jurisdiction. */
import type {CameraScope} from '../store/cameras.js'
import type {Store} from '../store/store.js'
import type {Actor} from './context.js'
import {forbidden} from './http-error.js'

/**
 * Agency users see the cameras inside their agency's jurisdiction. A user in no agency sees the whole
 * registry: that is a platform admin, or any user of a single-agency server that defines no agencies.
 */
export async function cameraScope(ctx: {store: Store}, actor: Actor): Promise<CameraScope> {
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
