/**
 * The phone's side in Node: the page's own statement module (web/owner/statement.js, WebCrypto
 * Ed25519, non-extractable key) driven without a browser, for the API and Core tests.
 */
import type {webcrypto} from 'node:crypto'
import {mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {ApiClient} from '../../src/lib/client/api.js'
import {ApiClient as Client} from '../../src/lib/client/api.js'
import type {DeviceView} from '../../src/lib/domain/device.js'
import type {OwnerStatement} from '../../src/lib/domain/policy.js'
import type {TestServer} from '../helpers/server.js'

interface Signer {
  ownerId: string
  keyId: string
  privateKey: webcrypto.CryptoKey
}
interface StatementModule {
  makeDeviceKey(): Promise<webcrypto.CryptoKeyPair>
  rawPublicKey(pair: webcrypto.CryptoKeyPair): Promise<string>
  keyIdOf(publicKey: string): Promise<string>
  panicStatement(signer: Signer, options: {minutes: number; message?: string}, now?: Date): Promise<OwnerStatement>
  clearStatement(signer: Signer, panicIds: string[], now?: Date): Promise<OwnerStatement>
}

// A path in a variable: the module is plain browser JavaScript, without type declarations.
const MODULE = '../../web/owner/statement.js'
export const statements = (): Promise<StatementModule> => import(MODULE) as Promise<StatementModule>

export interface Phone {
  keys: webcrypto.CryptoKeyPair
  publicKey: string
  keyId: string
  /** The device's API client (its token), once the link was answered. */
  api: ApiClient
  device: DeviceView
  signer(ownerId: string): Signer
}

/** Answers a one-time device link as the phone page does: a new key, sent with the link's secret as a header. */
export async function answerLink(t: TestServer, link: string): Promise<Phone> {
  const lib = await statements()
  const keys = await lib.makeDeviceKey()
  const publicKey = await lib.rawPublicKey(keys)
  const secret = new URL(link).hash.slice(1)
  const answer = await new Client({baseUrl: t.url, pin: t.pin, headers: {'x-rtcc-device-link': secret}}).post<{device: DeviceView; token: string}>('/v1/device/key', {publicKey})
  return {
    keys,
    publicKey,
    keyId: await lib.keyIdOf(publicKey),
    api: new Client({baseUrl: t.url, pin: t.pin, token: answer.token}),
    device: answer.device,
    signer: (ownerId) => ({ownerId, keyId: answer.device.keyId!, privateKey: keys.privateKey}),
  }
}

/** Where the test runs write the README's screenshots, so they show the pages as they are. */
export function screenshotPath(name: string): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')
  mkdirSync(dir, {recursive: true})
  return join(dir, name)
}
