/**
 * `rtcc stream open --play`: plays a stream in ffplay (RTCC_FFPLAY, else ffplay on PATH), fed through
 * a loopback relay that keeps the pinned TLS connection in this process. When the player exits the
 * viewer leaves, so the Core stops relaying at once.
 */
import {spawn} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'

import type {StreamGrant} from '../domain/stream.js'
import {CliError} from '../output/errors.js'
import type {ApiClient} from './api.js'
import {leaveStream, loopbackRelay, type Pin} from './streams.js'

export function ffplayPath(): string | undefined {
  const candidates = [process.env.RTCC_FFPLAY, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, process.platform === 'win32' ? 'ffplay.exe' : 'ffplay'))]
  return candidates.find((path): path is string => {
    if (!path) return false
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** The player, checked before a stream is opened for it. */
export function requirePlayer(): string {
  const player = ffplayPath()
  if (!player) throw new CliError('ffplay not found', {code: 'player_missing', hint: 'Install ffplay (part of FFmpeg) or set RTCC_FFPLAY; or leave out --play and open the URL in VLC.'})
  return player
}

/** Plays until the player exits; returns its exit code. */
export async function play(api: ApiClient, grant: StreamGrant, pin: Pin, player: string): Promise<number> {
  const relay = await loopbackRelay(grant.url, pin)
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(player, ['-hide_banner', '-loglevel', 'error', '-window_title', `${grant.cameraName} (rtcc live)`, '-fflags', 'nobuffer', relay.url], {stdio: 'inherit'})
      child.on('error', reject)
      child.on('exit', (code) => resolve(code ?? 1))
    })
  } finally {
    await relay.close()
    await leaveStream(api, grant)
  }
}
