import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import type {StreamInfo} from '../../lib/media/probe.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderFields} from '../../lib/output/table.js'

export default class MediaProbe extends RtccCommand<typeof MediaProbe> {
  static override summary = 'Show codec, resolution and frame rate of a camera stream or video file.'
  static override description = 'Credentials may be given in the URL (rtsp://user:pass@host/…); they are never printed.'
  static override examples = [
    '<%= config.bin %> media probe rtsp://admin:rtcc-sim@127.0.0.11:8554/stream1',
    '<%= config.bin %> media probe evidence/clip.mp4 --json',
  ]
  static override args = {input: Args.string({description: 'rtsp://, http:// URL or a file path.', required: true})}
  static override flags = {timeout: Flags.string({description: 'Give up after this long.', default: '10s'})}

  async run(): Promise<StreamInfo> {
    const {probeStream} = await import('../../lib/media/probe.js')
    const info = await probeStream(this.args.input, {timeoutMs: parseDuration(this.flags.timeout, '--timeout')})
    this.out(
      renderFields([
        ['source', info.source],
        ['codec', info.codec],
        ['resolution', `${info.width}x${info.height}`],
        ['fps', info.fps ?? 'unknown'],
        ['format', info.format],
        ['duration', info.durationSeconds === null ? 'live' : `${info.durationSeconds.toFixed(1)} s`],
        ['audio', info.audioCodec ?? 'none'],
      ]),
    )
    return info
  }
}
