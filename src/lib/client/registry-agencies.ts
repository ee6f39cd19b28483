/** Agencies and their jurisdictions (`rtcc agency add|list`, `rtcc user set-agency`). */
import {readFile} from 'node:fs/promises'

import type {AgencyView} from '../domain/agency.js'
import type {UserView} from '../domain/auth.js'
import {RtccError} from '../errors.js'
import {type AreaGeometry, parseArea} from '../registry/geo.js'
import type {ApiClient} from './api.js'

/** Reads and checks a jurisdiction file locally (GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection), so mistakes name the file. */
export async function readJurisdiction(file: string): Promise<AreaGeometry> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read ${file}: ${(error as Error).message}`, {code: 'usage', exitCode: 2, where: file})
  }
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new RtccError(`${file} is not valid JSON: ${(error as Error).message}`, {code: 'usage', exitCode: 2, where: file, hint: 'A jurisdiction is a GeoJSON file holding a Polygon or MultiPolygon.'})
  }
  return parseArea(json, file)
}

export async function addAgency(api: ApiClient, name: string, jurisdictionFile: string): Promise<AgencyView> {
  const jurisdiction = await readJurisdiction(jurisdictionFile)
  const {jurisdiction: _sent, ...agency} = await api.post<AgencyView & {jurisdiction: unknown}>('/v1/agencies', {name, jurisdiction})
  return agency
}

export const listAgencies = (api: ApiClient): Promise<AgencyView[]> => api.get<AgencyView[]>('/v1/agencies')

/** Puts a user in an agency (its jurisdiction bounds what they see), or in none (`null`: the whole registry). */
export const setUserAgency = (api: ApiClient, username: string, agency: string | null): Promise<UserView> =>
  api.post<UserView>(`/v1/users/${encodeURIComponent(username)}/agency`, {agency})
