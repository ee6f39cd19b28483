/**
 * Client profiles: server URL and user name per profile, pinned certificates per server origin
 * (fingerprint + PEM, trust on first use, like ssh's known_hosts) in config.json; the session tokens
 * in secrets.json, mode 0600; the newest audit checkpoint seen from each server in checkpoints/<server>.json
 * (one small file per server, so remembering one never rewrites the profiles). RTCC_CONFIG_DIR overrides
 * where they live (scripts and tests use it). The files keep the format conf wrote (tab-indented JSON);
 * conf itself is no longer used because loading it (and ajv under it) cost every command more start-up
 * time than reading two small files.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'

import {RtccError} from '../errors.js'

export interface Profile {
  server: string
  username?: string
}

export interface Pin {
  fingerprint: string
  certPem: string
  /** The server's audit verifier key, pinned the first time an audit proof is checked. */
  auditKey?: string
}

interface ConfigShape extends Record<string, unknown> {
  currentProfile: string
  profiles: Record<string, Profile>
  knownServers: Record<string, Pin>
}

interface SecretsShape extends Record<string, unknown> {
  tokens: Record<string, string>
}

export function configDir(): string {
  if (process.env.RTCC_CONFIG_DIR) return process.env.RTCC_CONFIG_DIR
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'rtcc')
}

export const DEFAULT_PROFILE = 'default'

/** One JSON settings file: read afresh on every get (another command may have changed it), replaced atomically on set. */
class JsonFile<T extends Record<string, unknown>> {
  constructor(
    readonly path: string,
    private readonly defaults: T,
    private readonly mode = 0o644,
  ) {}

  private read(): T {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {...this.defaults}
      throw error
    }
    try {
      return {...this.defaults, ...(JSON.parse(text) as Partial<T>)}
    } catch (error) {
      throw new RtccError(`cannot read ${this.path}: ${(error as Error).message}`, {code: 'invalid_file', where: this.path, hint: 'Fix or delete the file (deleting it forgets the profiles or tokens it holds).'})
    }
  }

  get<K extends keyof T>(key: K): T[K] {
    return this.read()[key]
  }

  set<K extends keyof T>(key: K, value: T[K]): void {
    const data = {...this.read(), [key]: value}
    mkdirSync(dirname(this.path), {recursive: true, mode: 0o700})
    const partial = `${this.path}.${process.pid}.partial`
    writeFileSync(partial, JSON.stringify(data, undefined, '\t'), {mode: this.mode})
    renameSync(partial, this.path)
  }
}

function stores() {
  const dir = configDir()
  const config = new JsonFile<ConfigShape>(join(dir, 'config.json'), {currentProfile: DEFAULT_PROFILE, profiles: {}, knownServers: {}})
  const secrets = new JsonFile<SecretsShape>(join(dir, 'secrets.json'), {tokens: {}}, 0o600)
  // Tighten a secrets file written before by something less careful.
  if (existsSync(secrets.path)) chmodSync(secrets.path, 0o600)
  return {config, secrets}
}

export function configFile(): string {
  return join(configDir(), 'config.json')
}

export function profileName(requested?: string): string {
  return requested ?? stores().config.get('currentProfile')
}

export function readProfile(name: string): Profile | undefined {
  return stores().config.get('profiles')[name]
}

export function readToken(name: string): string | undefined {
  return stores().secrets.get('tokens')[name]
}

export const serverKey = (url: string): string => new URL(url).origin.toLowerCase()

export function readPin(url: string): Pin | undefined {
  return stores().config.get('knownServers')[serverKey(url)]
}

export function savePin(url: string, pin: Pin): void {
  const {config} = stores()
  config.set('knownServers', {...config.get('knownServers'), [serverKey(url)]: pin})
}

/** Saves a profile; it becomes the current one only when asked (`rtcc login --use`) or when none is set up yet. */
export function saveProfile(name: string, profile: Profile, token?: string, options: {makeCurrent?: boolean} = {}): {current: string} {
  const {config, secrets} = stores()
  const profiles = config.get('profiles')
  config.set('profiles', {...profiles, [name]: profile})
  if (options.makeCurrent || !profiles[config.get('currentProfile')]) config.set('currentProfile', name)
  if (token !== undefined) secrets.set('tokens', {...secrets.get('tokens'), [name]: token})
  return {current: config.get('currentProfile')}
}

export function forgetToken(name: string): void {
  const {secrets} = stores()
  const tokens = {...secrets.get('tokens')}
  delete tokens[name]
  secrets.set('tokens', tokens)
}

/** The newest checkpoint of a server's audit log this machine has seen, and the key that signed it. */
export interface SeenCheckpoint {
  server: string
  size: number
  /** Base64 root hash. */
  rootHash: string
  /** The signed checkpoint note, as the server served it (with any cosignatures). */
  note: string
  verifierKey: string
  seenAt: string
}

export const seenCheckpointFile = (url: string): string => join(configDir(), 'checkpoints', `${serverKey(url).replace(/[^a-z0-9.-]/g, '_')}.json`)

export function readSeenCheckpoint(url: string): SeenCheckpoint | undefined {
  const file = seenCheckpointFile(url)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SeenCheckpoint
  } catch (error) {
    throw new RtccError(`cannot read the audit checkpoint remembered for ${serverKey(url)}: ${(error as Error).message}`, {
      code: 'invalid_file',
      where: file,
      hint: 'Restore it from a backup; deleting it drops the protection it gives (the next contact trusts the server afresh).',
    })
  }
}

export function saveSeenCheckpoint(seen: SeenCheckpoint): void {
  const file = seenCheckpointFile(seen.server)
  mkdirSync(join(configDir(), 'checkpoints'), {recursive: true, mode: 0o700})
  // Atomic: a crash or a concurrent command never leaves half a file.
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, JSON.stringify(seen, null, 2) + '\n', {mode: 0o600})
  renameSync(partial, file)
}
