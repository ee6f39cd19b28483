import {Args, Flags} from '@oclif/core'

import type {ClipResult} from '../../lib/media/clip.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class MediaClip extends RtccCommand<typeof MediaClip> {
  static override summary = 'Cut a clip from a video file or live stream without re-encoding.'
  static override description = 'Stream copy keeps the original bits, so cuts land on the nearest keyframe. For a live stream, --from and --to count from when rtcc connects. The clip is written under a temporary name and renamed when complete.'
  static override examples = [
    '<%= config.bin %> media clip recording.mp4 --from 00:01:30 --to 00:02:00 -o incident.mp4',
    '<%= config.bin %> media clip rtsp://admin:rtcc-sim@127.0.0.11:8554/stream1 --to 10s -o live.mp4 --json',
  ]
  static override args = {input: Args.string({description: 'Video file or stream URL.', required: true})}
  static override flags = {
    from: Flags.string({description: 'Start offset: seconds (90, 90s, 1.5m) or HH:MM:SS.', default: '0'}),
    to: Flags.string({description: 'End offset, same forms as --from.', required: true}),
    output: Flags.string({char: 'o', description: 'Output file (.mp4, .mkv, .ts).', required: true}),
    force: Flags.boolean({description: 'Overwrite the output file.'}),
  }

  async run(): Promise<ClipResult> {
    const {clip, parseOffset} = await import('../../lib/media/clip.js')
    const result = await clip(this.args.input, {
      fromSeconds: parseOffset(this.flags.from, '--from'),
      toSeconds: parseOffset(this.flags.to, '--to'),
      output: this.flags.output,
      overwrite: this.flags.force,
    })
    this.out(`wrote ${result.output} (${result.bytes} bytes, ${result.fromSeconds}s–${result.toSeconds}s of ${result.source})`)
    return result
  }
}
