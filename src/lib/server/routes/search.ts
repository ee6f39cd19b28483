/** Video search: HTTP over services/search (index jobs, searches, thumbnails). */
import {z} from 'zod'

import {COLOURS} from '../../search/colours.js'
import {LABELS} from '../../search/labels.js'
import * as search from '../../services/search.js'
import {defineRoute} from '../route.js'

const VIEWERS = ['admin' as const, 'supervisor' as const, 'investigator' as const]

export const SearchQuery = z.object({
  case: z.string().max(200).optional(),
  camera: z.string().max(100).optional(),
  class: z.enum(LABELS).optional(),
  color: z.enum(COLOURS).optional(),
  minScore: z.coerce.number().min(0).max(1).default(0.4),
  near: z
    .string()
    .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'LAT,LON')
    .optional(),
  radius: z.coerce.number().positive().max(100_000).default(500),
  from: z.string().datetime({offset: true}).optional(),
  to: z.string().datetime({offset: true}).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
})

export const searchRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/search/jobs',
    action: 'search.index',
    roles: VIEWERS,
    body: z.object({case: z.string().min(1).max(200)}),
    handler: async ({ctx, actor, body, reply}) => {
      reply.code(202)
      return search.indexCase(ctx, actor, {caseId: body.case})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/search/jobs/:id',
    action: 'search.job',
    roles: VIEWERS,
    handler: ({ctx, actor, params}) => search.getJob(ctx, actor, {id: params.id!}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/search',
    action: 'search.query',
    roles: VIEWERS,
    query: SearchQuery,
    handler: ({ctx, actor, query}) => {
      const [latitude, longitude] = (query.near ?? '').split(',').map(Number)
      return search.search(ctx, actor, {
        caseId: query.case,
        cameraId: query.camera,
        label: query.class,
        colour: query.color,
        minScore: query.minScore,
        from: query.from && new Date(query.from).toISOString(),
        to: query.to && new Date(query.to).toISOString(),
        limit: query.limit,
        near: query.near ? {latitude: latitude!, longitude: longitude!, radiusMetres: query.radius} : undefined,
      })
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/search/sightings/:id',
    action: 'search.sighting',
    roles: VIEWERS,
    handler: ({ctx, actor, params}) => search.sightingView(ctx, actor, {id: params.id!}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/search/sightings/:id/thumbnail',
    action: 'search.thumbnail',
    roles: VIEWERS,
    handler: async ({ctx, actor, params, reply}) => {
      const file = await search.thumbnail(ctx, actor, {id: params.id!})
      reply.header('content-type', 'image/jpeg')
      reply.header('content-length', String(file.bytes))
      return reply.send(file.stream)
    },
  }),
]
