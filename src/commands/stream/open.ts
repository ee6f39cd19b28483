import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import type {StreamGrant, StreamKind} from '../../lib/domain/stream.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'

export default class StreamOpen extends RtccCommand<typeof StreamOpen> {
  static override summary = 'Ask to watch a camera live; prints a short-lived URL (and plays it with --play).'
  static override description = `The server asks the Core that serves the camera, and the Core decides with the owner's policy: always, during the owner's panic (emergency), within a window the owner approved (approval), or never. If it allows, you get an HTTPS URL of the live video (fragmented MP4) that must be opened before it expires; the video ends when the policy window ends, when you leave, or when the owner revokes. Every start, view and stop is audited and visible to the owner.

The URL needs a client that speaks TLS 1.3 and trusts the server's certificate (self-signed unless your agency installed a CA-issued one): scripts with the pinned certificate, or ffprobe/curl given it. Players do not pin certificates, so use --play: it runs ffplay, mpv or VLC (the first found on PATH, or RTCC_PLAYER) on a loopback relay (http://127.0.0.1 behind a random path) that this process feeds through the pinned connection. Closing the player, or Ctrl-C, releases the stream.`
  static override examples = [
    '<%= config.bin %> stream open cam_01jd8x3k2m4n5p6q7r8s9t0v1w',
    '<%= config.bin %> stream open cam_01jd8x3k2m4n5p6q7r8s9t0v1w --play',
    '<%= config.bin %> stream open cam_01jd8x3k2m4n5p6q7r8s9t0v1w --url-ttl 2m --json | jq -r .url',
  ]
  static override args = {camera: Args.string({description: 'Camera id (cam_…), e.g. from `rtcc registry near`.', required: true})}
  static override flags = {
    play: Flags.boolean({description: 'Play it now with ffplay, mpv or VLC (RTCC_PLAYER picks one).'}),
    'url-ttl': Flags.string({description: 'How long the URL may be opened for (10s to 1h).', default: '5m'}),
  }

  async run(): Promise<StreamGrant> {
    const seconds = Math.round(parseDuration(this.flags['url-ttl'], '--url-ttl') / 1000)
    if (seconds < 10 || seconds > 3600) throw usageError(`--url-ttl ${this.flags['url-ttl']}: between 10s and 1h`)
    const [{openStream}, {play, requirePlayer}] = await Promise.all([import('../../lib/client/streams.js'), import('../../lib/media/stream-player.js')])
    const player = this.flags.play ? await requirePlayer() : undefined
    const api = await this.api()
    const grant = await openStream(api, this.args.camera, {kind: 'live' as StreamKind, urlSeconds: seconds})
    this.out(grant.url)
    this.note(`${grant.cameraName}: ${grant.policy.reason}${grant.policy.until ? ` (until ${new Date(grant.policy.until).toLocaleString()})` : ''}`)
    this.note(`open the URL before ${new Date(grant.urlExpiresAt).toLocaleString()}; it carries its own authorisation, so do not share it`)
    if (player) await play(api, grant, api.options.pin!, player)
    return grant
  }
}
