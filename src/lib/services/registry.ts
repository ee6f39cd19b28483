/**
 * The registry for agencies (analyst and up; owners reach only their own rows): list, show, radius
 * search, stats and export. Every read is audited with its query and the number of rows it returned.
 * The actor's scope (own cameras, the agency's jurisdiction, or everything) is part of every query.
 */
import type {LocationType} from '../domain/camera.js'
import {nearFacts, type BoundingBox, type LatLon} from '../registry/geo.js'
import {badRequest, notFound} from '../server/http-error.js'
import {cameraScope} from '../server/scope.js'
import type {CameraScope, CameraWithOwner} from '../store/cameras.js'
import type {Store} from '../store/store.js'
import type {Actor, ServiceContext} from './context.js'

export interface ListInput {
  owner?: string
  type?: LocationType[]
  tag?: string
  bbox?: BoundingBox
  live?: 'true' | 'false'
  limit: number
  after?: string
}

export async function listCameras(ctx: ServiceContext, actor: Actor, query: ListInput) {
  const scope = await cameraScope(ctx, actor)
  const filters = {ownerId: query.owner, type: query.type, tag: query.tag, bbox: query.bbox, liveCapable: query.live && query.live === 'true', afterId: query.after, limit: query.limit}
  return ctx.audited(() => ctx.store.cameras.listCameras(scope, filters), (list) => ({detail: {query, rows: list.length}}))
}

export async function showCamera(ctx: ServiceContext, actor: Actor, id: string) {
  const scope = await cameraScope(ctx, actor)
  const camera = await ctx.store.cameras.getCamera(scope, id)
  if (!camera) throw notFound(`camera ${id}`)
  return ctx.audited(() => camera, {target: camera.id, detail: {rows: 1}})
}

export interface NearInput {
  at: LatLon
  radius: number
  limit: number
  type?: LocationType[]
  when?: string
}

export async function nearCameras(ctx: ServiceContext, actor: Actor, query: NearInput) {
  const scope = await cameraScope(ctx, actor)
  const now = ctx.now()
  return ctx.audited(
    async () => {
      const found = await ctx.store.cameras.nearCameras(scope, {...query.at, radiusMetres: query.radius, limit: query.limit, type: query.type})
      return {
        at: query.at,
        radiusMetres: query.radius,
        when: query.when ?? null,
        cameras: found.map(({camera}) => ({camera, ...nearFacts(query.at, camera, {when: query.when, now})})),
      }
    },
    (result) => ({detail: {query, rows: result.cameras.length}}),
  )
}

export async function registryStats(ctx: ServiceContext, actor: Actor) {
  const scope = await cameraScope(ctx, actor)
  return ctx.audited(() => ctx.store.cameras.registryStats(scope))
}

export interface ExportInput {
  at?: LatLon
  radius?: number
}

/** Ids looked up per query when exporting around a point. */
const ID_CHUNK = 500

/** The cameras in scope with their owners, paged from the store as the export is read. */
async function* camerasWithOwners(store: Store, scope: CameraScope, ids?: string[]): AsyncGenerator<CameraWithOwner> {
  if (ids) {
    for (let i = 0; i < ids.length; i += ID_CHUNK) yield* await store.cameras.camerasWithOwners(scope, {ids: ids.slice(i, i + ID_CHUNK)})
    return
  }
  let after = ''
  for (;;) {
    const page = await store.cameras.camerasWithOwners(scope, {after, limit: 1000})
    yield* page
    if (page.length < 1000) return
    after = page[page.length - 1]!.id
  }
}

/**
 * An export of the cameras in scope (around a point, or all): how many rows it holds and the cameras
 * to write, read page by page as the caller consumes them. The record is written before any row.
 */
export async function exportCameras(ctx: ServiceContext, actor: Actor, query: ExportInput & Record<string, unknown>) {
  if ((query.at === undefined) !== (query.radius === undefined)) throw badRequest('give both --near (at) and --radius, or neither', query.at ? 'radius' : 'at')
  const scope = await cameraScope(ctx, actor)
  const ids = query.at && query.radius ? (await ctx.store.cameras.nearCameras(scope, {...query.at, radiusMetres: query.radius, limit: 1_000_000})).map((f) => f.camera.id) : undefined
  const rows = ids?.length ?? (await ctx.store.cameras.registryStats(scope)).cameras
  await ctx.audited(() => undefined, {detail: {query, rows}})
  return {rows, cameras: camerasWithOwners(ctx.store, scope, ids)}
}
