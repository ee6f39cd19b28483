/**
 * `rtcc doctor`: what this machine and profile need, each check with ✔/✘ and how to fix it.
 *
 * Its own room because it looks at local things no other room owns together: the Node version, the
 * ffmpeg/ffprobe binaries and video players (media/), the server's data dir as `rtcc server start`
 * would use it (server/data-dir.ts, read only: a doctor never creates it) and the CLI's config file.
 * The checks that talk to the server go through the HTTP client (client/server-checks.ts).
 */
import {accessSync, constants, existsSync} from 'node:fs'

import {configFile} from '../client/profiles.js'
import {serverChecks} from '../client/server-checks.js'
import {binaryVersion, resolveFfmpeg, resolveFfprobe, type ResolvedBinary} from '../media/ffmpeg.js'
import {findPlayers, overridePlayer, playerOverride} from '../media/players.js'
import {defaultDataDir} from '../server/data-dir.js'
import {describeEvidenceStore} from '../evidence/open-blob-store.js'
import type {Check, DoctorReport} from './check.js'

export type {Check, DoctorReport} from './check.js'

async function binaryCheck(name: string, found: ResolvedBinary | undefined, fix: string): Promise<Check> {
  if (!found) return {name, ok: false, detail: 'not found', fix}
  try {
    return {name, ok: true, detail: `${found.path} (via ${found.source}): ${await binaryVersion(found.path)}`}
  } catch (error) {
    return {name, ok: false, detail: `${found.path} does not run: ${(error as Error).message}`, fix}
  }
}

/** Video players for `stream open --play`; optional, so none found is still ok. */
async function playerCheck(): Promise<Check> {
  const wanted = playerOverride()
  if (wanted && !overridePlayer()) return {name: 'player', ok: false, detail: `RTCC_PLAYER=${wanted} cannot be run`, fix: 'Point RTCC_PLAYER at an installed player, or unset it'}
  const players = await findPlayers()
  if (!players.length) return {name: 'player', ok: true, detail: 'none found (only `stream open --play` needs one: install mpv, VLC or ffplay, or set RTCC_PLAYER)'}
  return {name: 'player', ok: true, detail: players.map((p, i) => `${p.name} ${p.path}${i === 0 ? ' (used by --play)' : ''}`).join(', ')}
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** Where `rtcc server start` would keep evidence blobs (RTCC_EVIDENCE_URL, else the data dir); the URL is checked, not the bucket. */
function evidenceCheck(dataDir: string): Check {
  try {
    return {name: 'evidence store', ok: true, detail: describeEvidenceStore(dataDir, process.env.RTCC_EVIDENCE_URL || undefined)}
  } catch (error) {
    return {name: 'evidence store', ok: false, detail: (error as Error).message, fix: 'Fix RTCC_EVIDENCE_URL: s3://BUCKET/PREFIX?endpoint=…&region=…, or unset it for the data dir'}
  }
}

export async function runDoctor(options: {profile?: string; server?: string}): Promise<DoctorReport> {
  const major = Number(process.versions.node.split('.')[0])
  const dataDir = defaultDataDir()
  const checks: Check[] = [
    {name: 'node', ok: major >= 20, detail: `v${process.versions.node}`, fix: major >= 20 ? undefined : 'Install Node.js 20 or newer'},
    await binaryCheck('ffmpeg', resolveFfmpeg(), 'npm install (ships @ffmpeg-installer/ffmpeg), or set RTCC_FFMPEG=/path/to/ffmpeg'),
    await binaryCheck('ffprobe', resolveFfprobe(), 'npm install (ships @ffprobe-installer/ffprobe), or set RTCC_FFPROBE=/path/to/ffprobe'),
    await playerCheck(),
    existsSync(dataDir)
      ? {name: 'data dir', ok: writable(dataDir), detail: dataDir, fix: writable(dataDir) ? undefined : `make ${dataDir} writable, or set RTCC_DATA_DIR`}
      : {name: 'data dir', ok: true, detail: `${dataDir} (created at first \`rtcc server start\`)`},
    evidenceCheck(dataDir),
    {name: 'config', ok: true, detail: existsSync(configFile()) ? configFile() : `${configFile()} (created at first login)`},
    ...(await serverChecks(options.profile, options.server)),
  ]
  return {ok: checks.every((c) => c.ok), checks}
}
