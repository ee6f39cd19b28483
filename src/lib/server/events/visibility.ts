/**
 * Who may receive an event, scoped like registry reads: admins (users in no agency) see every event,
 * owners the events about themselves, agency users an event whose place lies inside their agency's
 * jurisdiction or that concerns their agency's own request. An event that names no place and no
 * request reaches agency users not at all (fail closed): a panic's site must not cross jurisdictions.
 */
import type {RtccEvent} from '../../domain/events.js'
import {jurisdictionTest} from '../../store/agencies.js'
import type {EventRefs, LatLon} from '../../store/events.js'
import type {Actor, ServerContext} from '../context.js'
import {cameraScope} from '../scope.js'

interface Reach {
  places: LatLon[]
  agencyIds: string[]
}

const text = (value: unknown): string[] => (typeof value === 'string' && value ? [value] : [])

/** The cameras, Cores and requests an event's data names (`cameras` may be a count or a list). */
export function eventRefs(data: Record<string, unknown>): EventRefs {
  const listed = Array.isArray(data.cameras) ? data.cameras.flatMap((c: unknown) => (typeof c === 'string' ? [c] : text((c as {id?: unknown} | null)?.id))) : []
  return {cameraIds: [...text(data.cameraId), ...listed], coreIds: text(data.coreId), requestIds: text(data.requestId)}
}

async function reachOf(ctx: ServerContext, event: RtccEvent): Promise<Reach> {
  const {latitude, longitude} = event.data
  const refs = eventRefs(event.data)
  const [places, agencyIds] = await Promise.all([ctx.store.events.placesOf(refs), ctx.store.events.requestingAgencies(refs.requestIds)])
  if (typeof latitude === 'number' && typeof longitude === 'number') places.push({latitude, longitude})
  return {places, agencyIds}
}

// Live events are one object shared by every subscriber: resolve each once, however many dashboards.
const reaches = new WeakMap<RtccEvent, Promise<Reach>>()

/** The delivery test for one subscriber, decided once when the stream opens. */
export async function eventVisibility(ctx: ServerContext, actor: Actor): Promise<(event: RtccEvent) => boolean | Promise<boolean>> {
  const scope = await cameraScope(ctx, actor)
  if (scope.kind === 'all') return () => true
  if (scope.kind === 'owner') return (event) => event.ownerId === scope.ownerId
  const {agency} = scope
  const inside = jurisdictionTest(agency)
  return async (event) => {
    let reach = reaches.get(event)
    if (!reach) {
      reaches.set(event, (reach = reachOf(ctx, event)))
      // A failed lookup is not cached: the next subscriber asks again.
      reach.catch(() => reaches.delete(event))
    }
    const {agencyIds, places} = await reach
    return agencyIds.includes(agency.id) || places.some(inside)
  }
}
