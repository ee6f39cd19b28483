/**
 * `rtcc stream open --play`: plays a stream in ffplay, mpv or VLC (see ./players.ts). Players
 * cannot pin our certificate and may not speak TLS 1.3, so they read a loopback relay (plain HTTP on
 * 127.0.0.1 behind an unguessable path) that this process feeds from the pinned TLS connection.
 * When the player exits the viewer leaves, so the Core stops relaying at once.
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import type {ApiClient} from '../client/api.js'
import {leaveStream, type Pin, watch} from '../client/streams.js'
import type {StreamGrant} from '../domain/stream.js'
import {RtccError} from '../errors.js'
import {findPlayers, overridePlayer, type Player, playerArgs, playerOverride} from './players.js'

/** The player, checked before a stream is opened for it. */
export async function requirePlayer(): Promise<Player> {
  const wanted = playerOverride()
  const player = wanted ? overridePlayer() : (await findPlayers())[0]
  if (player) return player
  if (wanted) throw new RtccError(`RTCC_PLAYER=${wanted} cannot be run`, {code: 'player_missing', hint: 'Point RTCC_PLAYER at an installed player (a path, or a name on PATH), or unset it to use ffplay, mpv or VLC.'})
  throw new RtccError('no video player found (looked for ffplay, mpv and vlc on PATH)', {code: 'player_missing', hint: 'Install mpv or VLC (or FFmpeg with ffplay), or set RTCC_PLAYER=/path/to/player.'})
}

/** Plays until the player exits, then releases the stream. */
export async function play(api: ApiClient, grant: StreamGrant, pin: Pin, player: Player): Promise<void> {
  const relay = await loopbackRelay(grant.url, pin)
  // Ctrl-C reaches the player too (same terminal); we stay to release the stream once it has closed.
  const stay = () => undefined
  process.on('SIGINT', stay)
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(player.path, playerArgs(player, relay.url, `${grant.cameraName} (rtcc live)`), {stdio: 'inherit'})
      child.on('error', (error) => reject(new RtccError(`could not start ${player.name}: ${error.message}`, {code: 'player_failed', where: player.path})))
      child.on('exit', (exitCode) => resolve(exitCode))
    })
    // A null code is a player closed by a signal (Ctrl-C): a normal way to stop watching.
    if (code) throw new RtccError(`${player.name} exited with code ${code}`, {code: 'player_failed', where: player.path, hint: 'See the player\'s messages above; `rtcc doctor` lists the players found, RTCC_PLAYER picks another.'})
  } finally {
    process.off('SIGINT', stay)
    await relay.close()
    await leaveStream(api, grant)
  }
}

/**
 * A loopback-only HTTP server that relays one watch URL through the pinned TLS connection, for a local
 * player. Its path is random, so another local user cannot watch through it. Returns its URL and a
 * close function.
 */
export async function loopbackRelay(url: string, pin: Pin): Promise<{url: string; close: () => Promise<void>}> {
  const path = `/${randomBytes(16).toString('hex')}/live.mp4`
  const server = http.createServer((req, res) => {
    if (req.url !== path) return void res.writeHead(404).end()
    watch(url, pin).then(
      (upstream) => {
        res.writeHead(200, {'content-type': 'video/mp4', 'cache-control': 'no-store'})
        upstream.pipe(res)
        res.on('close', () => upstream.destroy())
      },
      (error: Error) => res.writeHead(502, {'content-type': 'text/plain'}).end(error.message),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
