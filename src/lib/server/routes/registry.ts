/** The registry (list, show, radius search, stats, streamed export): HTTP over services/registry. */
import {Readable} from 'node:stream'
import {z} from 'zod'

import {Distance, LocationType} from '../../domain/camera.js'
import {READ_REGISTRY} from '../../domain/roles.js'
import {EXPORT_FORMATS, encodeCameras} from '../../registry/export.js'
import * as registry from '../../services/registry.js'
import {defineRoute} from '../route.js'

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
    handler: ({ctx, actor, query}) => registry.listCameras(ctx, actor, query),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/cameras/:id',
    action: 'registry.show',
    roles: READERS,
    handler: ({ctx, actor, params}) => registry.showCamera(ctx, actor, params.id!),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/near',
    action: 'registry.near',
    roles: READERS,
    query: NearQuery,
    handler: ({ctx, actor, query}) => registry.nearCameras(ctx, actor, query),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/stats',
    action: 'registry.stats',
    roles: READERS,
    handler: ({ctx, actor}) => registry.registryStats(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/registry/export',
    action: 'registry.export',
    roles: READ_REGISTRY,
    query: ExportQuery,
    handler: async ({ctx, actor, query, reply}) => {
      const found = await registry.exportCameras(ctx, actor, query)
      reply.header('content-type', CONTENT_TYPES[query.format])
      reply.header('x-rtcc-rows', String(found.rows))
      return reply.send(Readable.from(encodeCameras(query.format, found.cameras, {title: 'rtcc registry'})))
    },
  }),
]
