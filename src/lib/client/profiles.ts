/**
 * Client profiles (conf): server URL, pinned certificate (fingerprint + PEM, trust on first use) and
 * user name in config.json; the session token in secrets.json, mode 0600. RTCC_CONFIG_DIR overrides
 * where both live (scripts and tests use it).
 */
import Conf from 'conf'
import {chmodSync, existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

export interface Profile {
  server: string
  fingerprint?: string
  certPem?: string
  username?: string
}

interface ConfigShape extends Record<string, unknown> {
  currentProfile: string
  profiles: Record<string, Profile>
}

interface SecretsShape extends Record<string, unknown> {
  tokens: Record<string, string>
}

export function configDir(): string {
  if (process.env.RTCC_CONFIG_DIR) return process.env.RTCC_CONFIG_DIR
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'rtcc')
}

export const DEFAULT_PROFILE = 'default'

function stores() {
  const cwd = configDir()
  const config = new Conf<ConfigShape>({cwd, configName: 'config', defaults: {currentProfile: DEFAULT_PROFILE, profiles: {}}, projectSuffix: ''})
  const secrets = new Conf<SecretsShape>({cwd, configName: 'secrets', defaults: {tokens: {}}, configFileMode: 0o600, projectSuffix: ''})
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

export function saveProfile(name: string, profile: Profile, token?: string): void {
  const {config, secrets} = stores()
  config.set('profiles', {...config.get('profiles'), [name]: profile})
  config.set('currentProfile', name)
  if (token !== undefined) secrets.set('tokens', {...secrets.get('tokens'), [name]: token})
}

export function forgetToken(name: string): void {
  const {secrets} = stores()
  const tokens = {...secrets.get('tokens')}
  delete tokens[name]
  secrets.set('tokens', tokens)
}
