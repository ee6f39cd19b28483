/**
 * The registry for agencies (analyst and up; owners reach only their own rows): list, show, radius
 * search, stats, streamed import and export. Every read is audited with its query and the number of
 * rows it returned.
 */
import {Readable} from 'node:stream'
import {z} from 'zod'

import {Distance, LocationType} from '../../domain/camera.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import {EXPORT_FORMATS, encodeCameras} from '../../registry/export.js'
import {nearFacts} from '../../registry/geo.js'
import * as cameras from '../../store/cameras.js'
import {badRequest, notFound} from '../http-error.js'
import {defineRoute} from '../route.js'
import {cameraScope} from '../scope.js'

const READERS = [...READ_REGISTRY, 'owner' as const]

const typeList = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(LocationType))

const LatLon = z.string().transform((value, ctx) => {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value)
  const latitude = Number(match?.[1])
  const longitude = Number(match?.[2])
  if (!match || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    ctx.addIssue({code: 'custom', message: 'LAT,LON in decimal degrees, e.g. 41.8781,-87.6298'})
    return z.NEVER
  }
  return {latitude, longitude}
})

const BBox = z.string().transform((value, ctx) => {
  const parts = value.split(',').map(Number)
  if (parts.length !== 4 || parts.some(Number.isNaN)) {
    ctx.addIssue({code: 'custom', message: 'MINLON,MINLAT,MAXLON,MAXLAT'})
    return z.NEVER
  }
  const [minLongitude, minLatitude, maxLongitude, maxLatitude] = parts as [number, number, number, number]
  return {minLongitude, minLatitude, maxLongitude, maxLatitude}
})

export const ListQuery = z.object({
  owner: z.string().optional(),
  type: typeList.optional(),
  tag: z.string().optional(),
  bbox: BBox.optional(),
  live: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: z.string().optional(),
})

export const NearQuery = z.object({
  at: LatLon,
  radius: Distance,
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  type: typeList.optional(),
  when: z.iso.datetime({offset: true}).optional(),
})

export const ExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default('csv'),
  at: LatLon.optional(),
  radius: Distance.optional(),
})

const CONTENT_TYPES = {csv: 'text/csv; charset=utf-8', geojson: 'application/geo+json', kml: 'application/vnd.google-earth.kml+xml', jsonl: 'application/x-ndjson'}

export const registryRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/registry/cameras',
    action: 'registry.list',
    roles: READERS,
    query: ListQuery,
    handler: ({ctx, actor, query, tx}) => {
      const scope = cameraScope(ctx, actor)
      const filters = {ownerId: query.owner, type: query.type, tag: query.tag, bbox: query.bbox, liveCapable: query.live && query.live === 'true', afterId: query.after, limit: query.limit}
      return tx(() => cameras.listCameras(ctx.db, scope, filters), {detail: (list) => ({query, rows: list.length})})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/cameras/:id',
    action: 'registry.show',
    roles: READERS,
    handler: ({ctx, actor, params, tx}) => {
      const scope = cameraScope(ctx, actor)
      const camera = cameras.getCamera(ctx.db, scope, params.id!)
      if (!camera) throw notFound(`camera ${params.id}`)
      return tx(() => camera, {target: camera.id, detail: {rows: 1}})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/near',
    action: 'registry.near',
    roles: READERS,
    query: NearQuery,
    handler: ({ctx, actor, query, tx}) => {
      const scope = cameraScope(ctx, actor)
      const now = ctx.now()
      return tx(
        () => {
          const found = cameras.nearCameras(ctx.db, scope, {...query.at, radiusMetres: query.radius, limit: query.limit, type: query.type})
          return {
            at: query.at,
            radiusMetres: query.radius,
            when: query.when ?? null,
            cameras: found.map(({camera}) => ({camera, ...nearFacts(query.at, camera, {when: query.when, now})})),
          }
        },
        {detail: (result) => ({query, rows: result.cameras.length})},
      )
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/stats',
    action: 'registry.stats',
    roles: READERS,
    handler: ({ctx, actor, tx}) => {
      const scope = cameraScope(ctx, actor)
      return tx(() => cameras.registryStats(ctx.db, scope))
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/export',
    action: 'registry.export',
    roles: READ_REGISTRY,
    query: ExportQuery,
    handler: ({ctx, actor, query, reply, tx}) => {
      if ((query.at === undefined) !== (query.radius === undefined)) throw badRequest('give both --near (at) and --radius, or neither', query.at ? 'radius' : 'at')
      const scope = cameraScope(ctx, actor)
      const ids = query.at && query.radius ? cameras.nearCameras(ctx.db, scope, {...query.at, radiusMetres: query.radius, limit: 1_000_000}).map((f) => f.camera.id) : undefined
      const total = ids?.length ?? cameras.registryStats(ctx.db, scope).cameras
      tx(() => undefined, {detail: {query, rows: total}})
      reply.header('content-type', CONTENT_TYPES[query.format])
      reply.header('x-rtcc-rows', String(total))
      return reply.send(Readable.from(encodeCameras(query.format, cameras.iterateCamerasWithOwners(ctx.db, scope, ids), {title: 'rtcc registry'})))
    },
  }),
]
