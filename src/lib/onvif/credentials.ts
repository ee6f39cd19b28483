/**
 * Camera credentials for discovery: from `--user` plus a password from a file, stdin or the
 * environment, or from a `--credentials` CSV (columns `user,password[,hosts]`; `hosts` is an
 * address or CIDR block the row applies to, empty for all). Rows are tried in order and the first
 * one the camera accepts wins; keep the list short, since cameras lock accounts after repeated failures.
 */
import {readFile} from 'node:fs/promises'

import {parse} from 'csv-parse/sync'

import {RtccError} from '../errors.js'
import {parseIpv4} from './ipv4.js'

export interface CredentialCandidate {
  user: string
  password: string
  /** Address or CIDR block; undefined for every device. */
  hosts?: string
}

export const MAX_CREDENTIAL_ROWS = 20

export async function readCredentialsFile(path: string): Promise<CredentialCandidate[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read credentials file: ${(error as Error).message}`, {code: 'not_found', where: path})
  }
  let rows: Record<string, string>[]
  try {
    rows = parse(text, {columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, comment: '#'})
  } catch (error) {
    throw new RtccError(`credentials file is not valid CSV: ${(error as Error).message}`, {code: 'invalid_file', where: path, hint: 'Use a header row `user,password,hosts`.'})
  }
  if (rows.length > MAX_CREDENTIAL_ROWS) throw new RtccError(`credentials file has ${rows.length} rows; at most ${MAX_CREDENTIAL_ROWS} are tried`, {code: 'invalid_file', where: path, hint: 'Cameras lock accounts after repeated failures: list only the credentials in use on this site.'})
  return rows.map((row, i) => {
    const where = `${path}:${i + 2}`
    if (!row.user) throw new RtccError('missing user', {code: 'invalid_file', where: `${where}:user`, hint: 'Each row needs user and password columns.'})
    if (row.password === undefined) throw new RtccError('missing password column', {code: 'invalid_file', where: `${where}:password`, hint: 'Each row needs user and password columns.'})
    const hosts = row.hosts || undefined
    if (hosts && parseIpv4(hosts.split('/')[0]!) === undefined) throw new RtccError(`hosts "${hosts}" is not an IPv4 address or CIDR block`, {code: 'invalid_file', where: `${where}:hosts`})
    return {user: row.user, password: row.password, hosts}
  })
}

/** The candidates that apply to `address`, in file order. */
export function credentialsFor(candidates: CredentialCandidate[], address: string): CredentialCandidate[] {
  const ip = parseIpv4(address)
  return candidates.filter((c) => {
    if (!c.hosts) return true
    const [base, prefixText = '32'] = c.hosts.split('/')
    const size = 2 ** (32 - Number(prefixText))
    const start = parseIpv4(base!)!
    return ip !== undefined && Math.floor(ip / size) === Math.floor(start / size)
  })
}

/** The camera password for `--user`: from a file (`-` = stdin), else RTCC_CAMERA_PASSWORD, else undefined. */
export async function readPassword(passwordFile: string | undefined): Promise<string | undefined> {
  if (passwordFile === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  }
  if (passwordFile) {
    try {
      return (await readFile(passwordFile, 'utf8')).replace(/\r?\n$/, '')
    } catch (error) {
      throw new RtccError(`cannot read password file: ${(error as Error).message}`, {code: 'not_found', where: passwordFile})
    }
  }
  return process.env.RTCC_CAMERA_PASSWORD
}
