/** Agencies and their jurisdictions (admin): HTTP over services/agencies. */
import {z} from 'zod'

import {AGENCY_ROLES, ADMINS} from '../../domain/roles.js'
import * as agencies from '../../services/agencies.js'
import {defineRoute} from '../route.js'

export const agencyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/agencies',
    action: 'agency.create',
    roles: ADMINS,
    body: z.object({name: z.string().trim().min(1).max(200), jurisdiction: z.unknown()}),
    bodyLimit: 20 * 1024 * 1024,
    handler: async ({ctx, actor, body, reply}) => {
      const agency = await agencies.createAgency(ctx, actor, body)
      reply.code(201)
      return agency
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/agencies',
    action: 'agency.list',
    roles: [...AGENCY_ROLES],
    handler: ({ctx}) => agencies.listAgencies(ctx),
  }),
]
