/**
 * The owner's devices (`rtcc owner device add|list|revoke`, and the phone's side of it). The owner
 * asks for a one-time link; the phone opening it sends the public half of a key it made and keeps
 * (WebCrypto, not extractable), and gets a device token; the owner's CLI then signs a statement
 * vouching for that key. The server only stores and relays: it checks the owner's signature like a
 * Core does, and has no key that could vouch for a device, nor revoke one, on the owner's behalf.
 */
import {randomBytes} from 'node:crypto'

import {DEVICE_LINK_TTL_MS, DevicePayload, type DeviceView} from '../domain/device.js'
import {newId} from '../domain/ids.js'
import type {PanicCamera, PanicView} from '../domain/panic.js'
import type {OwnerStatement} from '../domain/policy.js'
import {verifyDeviceRevoke, verifyDeviceVouch} from '../policy/device.js'
import {ownerKeyId} from '../policy/document.js'
import {DEVICE_PREFIX, hashSecret} from '../server/credentials.js'
import {badRequest, conflict, HttpError, notFound} from '../server/http-error.js'
import {type DeviceRow, toDeviceView} from '../store/devices.js'
import type {Actor, ServiceContext} from './context.js'
import {panicCameras, panicView} from './panic.js'
import {actingOwnerId, checkFresh, registeredKeys, statementRefused} from './policy.js'

/** Where the phone opens the link: the secret rides in the fragment, so it never reaches a log or a Referer. */
export const DEVICE_PAGE = '/owner/device'
const LINK_PREFIX = 'rtcc_l_'

const hashHex = (secret: string) => hashSecret(secret).toString('hex')
const view = (ctx: ServiceContext, row: DeviceRow) => toDeviceView(row, ctx.now())

async function myDevice(ctx: ServiceContext, ownerId: string, id: string): Promise<DeviceRow> {
  const row = await ctx.store.devices.getDevice(id)
  if (!row || row.owner_id !== ownerId) throw notFound(`device ${id}`)
  return row
}

/** A new device with its one-time link (shown once). */
export async function addDevice(ctx: ServiceContext, actor: Actor, input: {name: string}): Promise<{device: DeviceView; link: string}> {
  const ownerId = await actingOwnerId(ctx, actor)
  const secret = LINK_PREFIX + randomBytes(32).toString('base64url')
  const now = ctx.now()
  const row = await ctx.audited(
    () =>
      ctx.store.devices.insertDevice({
        id: newId('dev'),
        ownerId,
        userId: actor.user.id,
        name: input.name,
        linkHash: hashHex(secret),
        linkExpiresAt: new Date(now.getTime() + DEVICE_LINK_TTL_MS).toISOString(),
        now: now.toISOString(),
      }),
    (r) => ({target: r.id, detail: {name: input.name}}),
  )
  return {device: view(ctx, row), link: `${ctx.url}${DEVICE_PAGE}#${secret}`}
}

export async function listDevices(ctx: ServiceContext, actor: Actor): Promise<DeviceView[]> {
  const ownerId = await actingOwnerId(ctx, actor)
  return ctx.audited(async () => (await ctx.store.devices.listDevices(ownerId)).map((r) => view(ctx, r)), (list) => ({detail: {rows: list.length}}))
}

export async function showDevice(ctx: ServiceContext, actor: Actor, input: {id: string}): Promise<DeviceView> {
  const row = await myDevice(ctx, await actingOwnerId(ctx, actor), input.id)
  return ctx.audited(() => view(ctx, row), {target: row.id})
}

/** The phone's side: its public key for the one-time link; returns the device's token (shown once). */
export async function sendDeviceKey(ctx: ServiceContext, input: {link: string; publicKey: string}): Promise<{device: DeviceView; token: string}> {
  const row = input.link.startsWith(LINK_PREFIX) ? await ctx.store.devices.deviceByLink(hashHex(input.link)) : undefined
  ctx.note({subject: {id: null, name: 'device link', role: 'device'}, target: row?.id})
  if (!row) throw notFound('this device link (it works once; ask for a new one with `rtcc owner device add`)')
  if (row.link_expires_at <= ctx.now().toISOString()) throw new HttpError(410, 'link_expired', 'this device link has expired: run `rtcc owner device add` again')
  const token = DEVICE_PREFIX + randomBytes(32).toString('base64url')
  const keyId = ownerKeyId(input.publicKey)
  const stored = await ctx.audited(
    async () => {
      const keyed = await ctx.store.devices.setDeviceKey(row.id, {publicKey: input.publicKey, keyId, tokenHash: hashHex(token)})
      if (!keyed) throw conflict('this device link was used already')
      return keyed
    },
    {target: row.id, detail: {keyId}},
  )
  return {device: view(ctx, stored), token}
}

/** Stores the owner's signed statement vouching for the key the phone sent. */
export async function vouchDevice(ctx: ServiceContext, actor: Actor, input: {id: string; statement: OwnerStatement}): Promise<DeviceView> {
  const ownerId = await actingOwnerId(ctx, actor)
  const row = await myDevice(ctx, ownerId, input.id)
  let payload: DevicePayload
  try {
    payload = verifyDeviceVouch(input.statement, await registeredKeys(ctx, ownerId), {ownerId})
  } catch (error) {
    statementRefused(error)
  }
  if (payload.deviceId !== row.id || payload.publicKey !== row.public_key)
    throw conflict(`the statement vouches for device ${payload.deviceId} key ${ownerKeyId(payload.publicKey)}, not the key device ${row.id} sent (${row.key_id ?? 'none yet'})`)
  checkFresh(payload.vouchedAt, ctx.now(), 'vouchedAt')
  const stored = await ctx.audited(
    async () => {
      const vouched = await ctx.store.devices.vouchDevice(row.id, input.statement, new Date(payload.vouchedAt).toISOString())
      if (!vouched) throw conflict(`device ${row.id} is ${view(ctx, row).status}: it cannot be vouched for`)
      return vouched
    },
    {target: row.id, detail: {keyId: row.key_id}},
  )
  await ctx.events.publish({type: 'owner.device.vouched', ownerId, data: {deviceId: row.id, name: row.name, keyId: row.key_id}})
  return view(ctx, stored)
}

/** Ends a device: a vouched one only with the owner's signed revocation, which goes to every Core. */
export async function revokeDevice(ctx: ServiceContext, actor: Actor, input: {id: string; statement?: OwnerStatement}): Promise<DeviceView> {
  const ownerId = await actingOwnerId(ctx, actor)
  const row = await myDevice(ctx, ownerId, input.id)
  let statement: OwnerStatement | null = null
  if (row.statement) {
    if (!input.statement) throw new HttpError(400, 'revocation_required', `device ${row.id} was vouched for: its revocation must be signed with your owner key (\`rtcc owner device revoke\`)`)
    try {
      const keys = await registeredKeys(ctx, ownerId)
      const device = verifyDeviceVouch(JSON.parse(row.statement), keys, {ownerId})
      checkFresh(verifyDeviceRevoke(input.statement, keys, device, {ownerId}).revokedAt, ctx.now(), 'revokedAt')
    } catch (error) {
      statementRefused(error)
    }
    statement = input.statement
  }
  const stored = await ctx.audited(
    async () => {
      const revoked = await ctx.store.devices.revokeDevice(row.id, statement, ctx.now().toISOString())
      if (!revoked) throw conflict(`device ${row.id} is already revoked`)
      return revoked
    },
    {target: row.id, detail: {keyId: row.key_id, signed: statement !== null}},
  )
  if (statement) await ctx.events.publish({type: 'owner.device.revoked', ownerId, data: {deviceId: row.id, name: row.name, keyId: row.key_id}})
  return view(ctx, stored)
}

export interface DeviceHome {
  device: DeviceView
  ownerId: string
  site: string
  /** What a panic raised now would open (as the server knows the policies; each Core decides). */
  cameras: PanicCamera[]
  panics: PanicView[]
}

/** The phone's panic page: who it speaks for, what a panic would open, and the panics in force. */
export async function deviceHome(ctx: ServiceContext, actor: Actor): Promise<DeviceHome> {
  if (actor.via !== 'device') throw badRequest("this is the phone's panic page: call it with the phone's device token")
  const ownerId = await actingOwnerId(ctx, actor)
  const row = await myDevice(ctx, ownerId, actor.credentialId)
  const now = ctx.now()
  const preview = await panicCameras(ctx, {ownerId, startedAt: now.toISOString(), until: new Date(now.getTime() + 3600_000).toISOString()}, now)
  const owner = await ctx.store.owners.getOwner(ownerId)
  const panics: PanicView[] = []
  for (const record of await ctx.store.panic.activePanics(ownerId, now)) panics.push(await panicView(ctx, record, await panicCameras(ctx, record, now)))
  return ctx.audited(
    () => ({device: view(ctx, row), ownerId, site: owner?.organisation ?? owner?.displayName ?? ownerId, cameras: preview.cameras, panics}),
    {target: row.id},
  )
}
