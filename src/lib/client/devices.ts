/**
 * `rtcc owner device add|list|revoke` on the owner's machine: the owner's key (which never leaves
 * this machine) signs the statement vouching for the key a phone made, and its revocation.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {DEVICE_LINK_TTL_MS, type DeviceView} from '../domain/device.js'
import {RtccError, usageError} from '../errors.js'
import {signDeviceRevoke, signDeviceVouch} from '../policy/device.js'
import type {ApiClient} from './api.js'
import {ownerSigningKey} from './policy-key.js'

export interface AddDeviceOptions {
  name: string
  /** Shows the one-time link (and a QR code) to the owner. */
  onLink(link: string, device: DeviceView): void | Promise<void>
  /** Whether to vouch for the key the phone sent: the owner compares its id with the one on the phone. */
  confirmKey(keyId: string, device: DeviceView): boolean | Promise<boolean>
  pollMs?: number
}

/** Waits for the phone to send its key, has the owner confirm it, and vouches for it. */
export async function addDevice(api: ApiClient, options: AddDeviceOptions): Promise<DeviceView> {
  const {key} = await ownerSigningKey(api)
  const {device, link} = await api.post<{device: DeviceView; link: string}>('/v1/owner-devices', {name: options.name})
  await options.onLink(link, device)
  let current = device
  const deadline = Date.now() + DEVICE_LINK_TTL_MS
  while (current.status === 'link' && Date.now() < deadline) {
    await sleep(options.pollMs ?? 1000)
    current = await api.get<DeviceView>(`/v1/owner-devices/${device.id}`)
  }
  if (current.status !== 'keyed' || !current.publicKey || !current.keyId)
    throw new RtccError(`the phone did not answer: device ${device.id} is ${current.status}`, {code: 'device_not_keyed', hint: 'Run `rtcc owner device add` again and open the new link on the phone within 15 minutes.'})
  if (!(await options.confirmKey(current.keyId, current))) {
    await api.post(`/v1/owner-devices/${device.id}/revoke`, {})
    throw new RtccError(`not vouched for: device ${device.id} is dropped`, {code: 'cancelled', hint: 'If the codes differed, someone else answered the link: run `rtcc owner device add` again.'})
  }
  const statement = signDeviceVouch({deviceId: current.id, name: current.name, publicKey: current.publicKey, vouchedAt: new Date().toISOString()}, key)
  return api.post<DeviceView>(`/v1/owner-devices/${device.id}/vouch`, {statement})
}

export const listDevices = (api: ApiClient): Promise<DeviceView[]> => api.get<DeviceView[]>('/v1/owner-devices')

/** A device by id, or by name when exactly one live device has it. */
async function findDevice(api: ApiClient, idOrName: string): Promise<DeviceView> {
  const all = await listDevices(api)
  const byId = all.find((d) => d.id === idOrName)
  if (byId) return byId
  const named = all.filter((d) => d.name === idOrName && d.status !== 'revoked')
  if (named.length === 1) return named[0]!
  throw usageError(named.length ? `${named.length} devices are named "${idOrName}"` : `no device "${idOrName}"`, 'Pass the device id from `rtcc owner device list`.')
}

/** Revokes a device; a vouched one with a revocation signed by the owner's key, which every Core honours. */
export async function revokeDevice(api: ApiClient, idOrName: string): Promise<DeviceView> {
  const device = await findDevice(api, idOrName)
  if (device.status === 'revoked') throw new RtccError(`device ${device.id} is already revoked`, {code: 'already_revoked'})
  if (!device.vouchedAt || !device.keyId) return api.post<DeviceView>(`/v1/owner-devices/${device.id}/revoke`, {})
  const {key} = await ownerSigningKey(api)
  const statement = signDeviceRevoke({deviceId: device.id, keyId: device.keyId, revokedAt: new Date().toISOString()}, key)
  return api.post<DeviceView>(`/v1/owner-devices/${device.id}/revoke`, {statement})
}
