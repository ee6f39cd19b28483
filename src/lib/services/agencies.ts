/** Agencies and their jurisdictions (admin). Agency users see only the registry inside theirs. */
import type {AgencyView} from '../domain/agency.js'
import {parseArea} from '../registry/geo.js'
import type {Agency} from '../store/agencies.js'
import {badRequest, conflict} from '../server/http-error.js'
import type {Actor, ServiceContext} from './context.js'

async function view(ctx: ServiceContext, agency: Agency): Promise<AgencyView> {
  return {
    id: agency.id,
    name: agency.name,
    bbox: agency.bbox,
    polygons: agency.jurisdiction.type === 'Polygon' ? 1 : agency.jurisdiction.coordinates.length,
    members: await ctx.store.agencies.agencyMemberCount(agency.id),
    createdAt: agency.createdAt,
  }
}

export async function createAgency(ctx: ServiceContext, _actor: Actor, input: {name: string; jurisdiction: unknown}) {
  let area
  try {
    area = parseArea(input.jurisdiction, 'jurisdiction')
  } catch (error) {
    throw badRequest((error as Error).message, 'jurisdiction')
  }
  if (await ctx.store.agencies.getAgency(input.name)) throw conflict(`agency "${input.name}" already exists`, 'name')
  return ctx.audited(
    async () => {
      const agency = await ctx.store.agencies.insertAgency(input.name, area)
      return {...(await view(ctx, agency)), jurisdiction: agency.jurisdiction}
    },
    (agency) => ({target: agency.id, detail: {name: input.name}}),
  )
}

export function listAgencies(ctx: ServiceContext) {
  return ctx.audited(async () => Promise.all((await ctx.store.agencies.listAgencies()).map((agency) => view(ctx, agency))))
}
