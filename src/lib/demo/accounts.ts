/**
 * The demo's people: an admin, an investigator of the Chicago Police Department (an agency whose
 * jurisdiction is the city), and two community members who signed up near the incident — a shop
 * (its cameras come with its Core) and a resident who registered a doorbell camera. Passwords are
 * random per run and printed, never fixed in the code.
 */
import {randomBytes} from 'node:crypto'

import {ApiClient} from '../client/api.js'
import {ownerSigningKey} from '../client/policy-key.js'
import type {SessionView} from '../domain/auth.js'
import type {CameraFields} from '../domain/camera.js'

export interface Account {
  role: string
  username: string
  password: string
}

export const demoPassword = (): string => `demo-${randomBytes(12).toString('base64url')}`

const CHICAGO = {type: 'Polygon', coordinates: [[[-87.94, 41.64], [-87.52, 41.64], [-87.52, 42.03], [-87.94, 42.03], [-87.94, 41.64]]]}
export const AGENCY = 'Chicago Police Department'

export interface Connection {
  baseUrl: string
  pin: {certPem: string; fingerprint: string}
}

export async function login(connection: Connection, username: string, password: string): Promise<ApiClient> {
  const anonymous = new ApiClient(connection)
  const session = await anonymous.post<SessionView>('/v1/auth/login', {username, password})
  return new ApiClient({...connection, token: session.token})
}

export async function createInvestigator(admin: ApiClient, username: string): Promise<Account> {
  const password = demoPassword()
  await admin.post('/v1/agencies', {name: AGENCY, jurisdiction: CHICAGO})
  await admin.post('/v1/users', {username, password, role: 'investigator'})
  await admin.post(`/v1/users/${username}/agency`, {agency: AGENCY})
  return {role: 'investigator', username, password}
}

/** An API token for the dashboard, so an idle session does not end the demo's event stream. */
export async function dashboardToken(user: ApiClient, hours: number): Promise<string> {
  const token = await user.post<{token: string}>('/v1/tokens', {name: 'rtcc demo dashboard', expiresInSeconds: hours * 3600})
  return token.token
}

export interface DemoOwner {
  account: Account
  ownerId: string
  api: ApiClient
  cameras: {id: string; name: string}[]
}

export interface OwnerPlan {
  username: string
  profile: {displayName: string; organisation: string | null; email: string; postalAddress: string}
  cameras: Pick<CameraFields, 'name' | 'latitude' | 'longitude' | 'locationType' | 'viewDirection' | 'viewDescription'>[]
}

/**
 * Signs the owner up, makes their signing key (kept in the rtcc config folder, which the demo points
 * at its temporary folder) so their Core can trust what they sign, and registers their cameras.
 */
export async function signUpOwner(connection: Connection, plan: OwnerPlan): Promise<DemoOwner> {
  const password = demoPassword()
  const signup = await new ApiClient(connection).post<{owner: {id: string}}>('/v1/owners/signup', {username: plan.username, password, profile: plan.profile})
  const api = await login(connection, plan.username, password)
  await ownerSigningKey(api)
  const cameras: DemoOwner['cameras'] = []
  for (const camera of plan.cameras) {
    const fields: CameraFields = {
      address: plan.profile.postalAddress, make: null, model: null, fieldOfView: 90, records: true, retentionDays: 30, liveCapable: true, tags: ['demo'],
      ...camera,
    }
    const created = await api.post<{id: string; name: string}>('/v1/cameras', fields)
    cameras.push({id: created.id, name: created.name})
  }
  return {account: {role: 'owner', username: plan.username, password}, ownerId: signup.owner.id, api, cameras}
}
