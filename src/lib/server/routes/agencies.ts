/** Agencies and their jurisdictions (admin). Agency users see only the registry inside theirs. */
import {z} from 'zod'

import {AGENCY_ROLES, ADMINS} from '../../domain/roles.js'
import {parseArea} from '../../registry/geo.js'
import * as agencies from '../../store/agencies.js'
import {badRequest, conflict} from '../http-error.js'
import {defineRoute} from '../route.js'

const view = (ctx: Parameters<typeof agencies.agencyMemberCount>[0], agency: agencies.Agency) => ({
  id: agency.id,
  name: agency.name,
  bbox: agency.bbox,
  polygons: agency.jurisdiction.type === 'Polygon' ? 1 : agency.jurisdiction.coordinates.length,
  members: agencies.agencyMemberCount(ctx, agency.id),
  createdAt: agency.createdAt,
})

export const agencyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/agencies',
    action: 'agency.create',
    roles: ADMINS,
    body: z.object({name: z.string().trim().min(1).max(200), jurisdiction: z.unknown()}),
    bodyLimit: 20 * 1024 * 1024,
    handler: ({ctx, body, tx, req, reply}) => {
      let area
      try {
        area = parseArea(body.jurisdiction, 'jurisdiction')
      } catch (error) {
        throw badRequest((error as Error).message, 'jurisdiction')
      }
      if (agencies.getAgency(ctx.db, body.name)) throw conflict(`agency "${body.name}" already exists`, 'name')
      reply.code(201)
      return tx(() => {
        const agency = agencies.insertAgency(ctx.db, body.name, area)
        req.rtcc.target = agency.id
        return {...view(ctx.db, agency), jurisdiction: agency.jurisdiction}
      }, {detail: {name: body.name}})
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/agencies',
    action: 'agency.list',
    roles: [...AGENCY_ROLES],
    handler: ({ctx, tx}) => tx(() => agencies.listAgencies(ctx.db).map((a) => view(ctx.db, a))),
  }),
]
